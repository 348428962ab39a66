/** Wires the extension together: logging, status bar, commands, settings, and the language server. */
import type { ExtensionContext } from 'vscode';
import { createLanguageClient } from './common/client';
import { registerCommands } from './common/commands';
import { EXTENSION_NAME } from './common/constants';
import { DependencyTreeDocument } from './common/dependencyTree';
import { registerLogger, traceLog } from './common/log/logging';
import { StatusNotifier } from './common/notifications';
import { findHotbedProject, type HotbedProject } from './common/project';
import { interpreterFor, onDidChangePythonInterpreter } from './common/python';
import { type ClientFactory, HotbedServer } from './common/server';
import { checkIfConfigurationChanged, getWorkspaceSettings } from './common/settings';
import { StatusBar } from './common/status';
import { DevServerTerminal } from './common/terminal';
import type { Status } from './common/types';
import {
    activeFile,
    createFileSystemWatcher,
    createOutputChannel,
    onDidChangeActiveFile,
    onDidChangeConfiguration,
} from './common/vscodeapi';

let server: HotbedServer | undefined;

/** VS Code calls this with the context only; `createClient` is how clients reach the server (tests give one). */
export async function activate(
    context: ExtensionContext,
    createClient: ClientFactory = createLanguageClient,
): Promise<void> {
    const outputChannel = createOutputChannel(EXTENSION_NAME);
    const statusBar = new StatusBar();
    const dependencyTree = new DependencyTreeDocument();
    const terminal = new DevServerTerminal();
    let project: HotbedProject | undefined;
    const notifier = new StatusNotifier(() => project && getWorkspaceSettings(project.folder));
    context.subscriptions.push(outputChannel, registerLogger(outputChannel), statusBar, dependencyTree, terminal, notifier);

    const onStatus = (status: Status): void => {
        const previous = statusBar.statusOf(status.root);
        statusBar.update(status);
        void notifier.notify(previous, status);
    };
    // The status bar shows the project of the file being edited (one language server serves them all).
    statusBar.showFile(activeFile()?.fsPath);
    const start = async (found: HotbedProject): Promise<void> => {
        if (server) {
            return;
        }
        project = found;
        server = new HotbedServer({ project: found, outputChannel, createClient, onStatus });
        context.subscriptions.push(server);
        statusBar.show();
        await server.restart();
    };

    context.subscriptions.push(
        ...registerCommands({
            connection: () => server?.connection,
            restartLanguageServer: async () => server?.restart(),
            activeFile: () => activeFile()?.toString(),
            devServerLaunch: async () =>
                project && { interpreter: await interpreterFor(project.folder), cwd: project.root.fsPath },
            showOutput: () => outputChannel.show(),
            dependencyTree,
            terminal,
        }),
        onDidChangeActiveFile((uri) => statusBar.showFile(uri?.fsPath)),
        onDidChangeConfiguration((event) => {
            if (checkIfConfigurationChanged(event)) {
                server?.requestRestart();
            }
        }),
    );
    const pythonListener = await onDidChangePythonInterpreter(() => server?.requestRestart());
    if (pythonListener) {
        context.subscriptions.push(pythonListener);
    }

    const found = await findHotbedProject();
    if (found) {
        await start(found);
        return;
    }
    traceLog('No hotbed project in this workspace; the language server starts when one appears.');
    const markers = createFileSystemWatcher('**/{hotbed.toml,pyproject.toml,.hotbed}');
    const recheck = async (): Promise<void> => {
        const appeared = await findHotbedProject();
        if (appeared) {
            await start(appeared);
        }
    };
    context.subscriptions.push(markers, markers.onDidCreate(recheck), markers.onDidChange(recheck));
}

export async function deactivate(): Promise<void> {
    await server?.stop();
    server = undefined;
}
