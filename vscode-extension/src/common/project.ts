/** Whether the workspace holds a hotbed project: `hotbed.toml`, `[tool.hotbed]` in pyproject.toml, or `.hotbed/`. */
import type { Uri, WorkspaceFolder } from 'vscode';
import { PROJECT_MARKERS } from './constants';
import { findFiles, getWorkspaceFolder, getWorkspaceFolders, joinUri, readTextFile, statKind } from './vscodeapi';

export interface HotbedProject {
    /** The workspace folder the project is in; settings are read for it. */
    folder: WorkspaceFolder;
    /** The project folder itself (the workspace folder or one below it). */
    root: Uri;
}

const TOOL_TABLE = /^\s*\[\s*tool\.hotbed\s*(\.[^\]]*)?\]/m;
const SEARCH_EXCLUDE = '**/{node_modules,.venv,venv,.git,site-packages}/**';

export function declaresHotbed(pyproject: string): boolean {
    return TOOL_TABLE.test(pyproject);
}

export async function isHotbedProject(dir: Uri): Promise<boolean> {
    if ((await statKind(joinUri(dir, PROJECT_MARKERS.config))) === 'file') {
        return true;
    }
    if ((await statKind(joinUri(dir, PROJECT_MARKERS.stateDir))) === 'directory') {
        return true;
    }
    const pyproject = await readTextFile(joinUri(dir, PROJECT_MARKERS.pyproject));
    return pyproject !== undefined && declaresHotbed(pyproject);
}

/**
 * The first hotbed project: a workspace folder that is one, else the folder of a `hotbed.toml`
 * below one, else the folder below one where `hotbed dev` has run (its `.hotbed/dev.lock`), else
 * the nearest folder above one that is (`hotbed dev hello/main.py` run in `examples/` while the
 * window shows `examples/hello`). The language server finds the project of each file itself; this
 * one is the workspace's (commands with no file, the status before any file is opened).
 */
export async function findHotbedProject(): Promise<HotbedProject | undefined> {
    const folders = getWorkspaceFolders();
    for (const folder of folders) {
        if (await isHotbedProject(folder.uri)) {
            return { folder, root: folder.uri };
        }
    }
    if (folders.length === 0) {
        return undefined;
    }
    for (const config of await findFiles(`**/${PROJECT_MARKERS.config}`, SEARCH_EXCLUDE, 1)) {
        const folder = getWorkspaceFolder(config);
        if (folder) {
            return { folder, root: joinUri(config, '..') };
        }
    }
    for (const lock of await findFiles(`**/${PROJECT_MARKERS.stateDir}/${PROJECT_MARKERS.lock}`, SEARCH_EXCLUDE, 1)) {
        const folder = getWorkspaceFolder(lock);
        if (folder) {
            return { folder, root: joinUri(lock, '..', '..') };
        }
    }
    for (const folder of folders) {
        for (let dir = joinUri(folder.uri, '..'); ; dir = joinUri(dir, '..')) {
            if (await isHotbedProject(dir)) {
                return { folder, root: dir };
            }
            if (joinUri(dir, '..').fsPath === dir.fsPath) {
                break; // the file system's root
            }
        }
    }
    return undefined;
}
