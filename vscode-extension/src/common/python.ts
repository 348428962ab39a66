/**
 * Interpreter discovery: the `hotbed.interpreter` setting, then the Python extension's active
 * interpreter when that extension is installed, then `python3`.
 */
import type { Disposable, Event, Uri, WorkspaceFolder } from 'vscode';
import { FALLBACK_PYTHON, PYTHON_EXTENSION_ID } from './constants';
import { traceError, traceLog } from './log/logging';
import { getWorkspaceSettings } from './settings';
import { getExtension } from './vscodeapi';

/** The slice of the `ms-python.python` extension API that hotbed uses. */
export interface PythonExtensionApi {
    environments: {
        getActiveEnvironmentPath(resource?: Uri): { path: string };
        resolveEnvironment(path: string): Promise<{ executable: { uri?: Uri } } | undefined>;
        onDidChangeActiveEnvironmentPath: Event<unknown>;
    };
}

async function getPythonExtensionApi(): Promise<PythonExtensionApi | undefined> {
    const extension = getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
    if (!extension) {
        return undefined;
    }
    try {
        return extension.isActive ? extension.exports : await extension.activate();
    } catch (error) {
        traceError('The Python extension failed to activate:', error);
        return undefined;
    }
}

/** The Python extension's active interpreter for `resource`, if it knows one. */
async function activeInterpreter(resource?: Uri): Promise<string | undefined> {
    const api = await getPythonExtensionApi();
    if (!api?.environments) {
        return undefined;
    }
    try {
        const active = api.environments.getActiveEnvironmentPath(resource);
        const environment = await api.environments.resolveEnvironment(active.path);
        return environment?.executable.uri?.fsPath;
    } catch (error) {
        traceError('Could not read the Python extension active interpreter:', error);
        return undefined;
    }
}

/** The command that runs Python: the setting when set, else the active interpreter, else `python3`. */
export async function resolveInterpreter(setting: readonly string[], resource?: Uri): Promise<string[]> {
    if (setting.length > 0) {
        return [...setting];
    }
    const active = await activeInterpreter(resource);
    if (active) {
        traceLog(`Using the Python extension's interpreter: ${active}`);
        return [active];
    }
    traceLog(`No interpreter set and none from the Python extension; using ${FALLBACK_PYTHON}`);
    return [FALLBACK_PYTHON];
}

/** The interpreter for a workspace folder, from its `hotbed.interpreter` setting or discovered. */
export async function interpreterFor(folder: WorkspaceFolder): Promise<string[]> {
    return resolveInterpreter(getWorkspaceSettings(folder).interpreter, folder.uri);
}

/** Calls `listener` when the Python extension's active interpreter changes (nothing if it is absent). */
export async function onDidChangePythonInterpreter(listener: () => unknown): Promise<Disposable | undefined> {
    const api = await getPythonExtensionApi();
    return api?.environments?.onDidChangeActiveEnvironmentPath(() => listener());
}
