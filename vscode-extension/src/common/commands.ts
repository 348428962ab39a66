/** The palette commands. Server commands go out as `workspace/executeCommand` (docs/protocol.md). */
import type { Disposable } from 'vscode';
import { Command, EXECUTE_COMMAND_REQUEST, ServerCommand } from './constants';
import type { DependencyTreeDocument } from './dependencyTree';
import { traceError, traceInfo } from './log/logging';
import type { DevServerTerminal } from './terminal';
import type { DumpEntry, ServerConnection } from './types';
import { registerCommand, showErrorMessage, showWarningMessage } from './vscodeapi';

/** What the commands act on; extension.ts supplies the real ones. */
export interface CommandHost {
    /** The running language client, or `undefined` when none runs. */
    connection(): ServerConnection | undefined;
    restartLanguageServer(): Promise<unknown>;
    /** The active editor's file (its URI), which names the project a server command is for; `undefined`: none. */
    activeFile(): string | undefined;
    /** The interpreter command and project folder for `hotbed dev`, or `undefined` outside a project. */
    devServerLaunch(): Promise<{ interpreter: string[]; cwd: string } | undefined>;
    showOutput(): void;
    dependencyTree: DependencyTreeDocument;
    terminal: DevServerTerminal;
}

const NOT_RUNNING = 'hotbed: the language server is not running. Is this a hotbed project? See "hotbed: Show Output".';

/**
 * Sends a server command for the project of `target` (a project folder or a file), else of the
 * active editor's file, else the workspace's; failures are logged and shown, and yield `undefined`.
 */
export async function executeServerCommand<R>(host: CommandHost, command: string, target?: unknown): Promise<R | undefined> {
    const connection = host.connection();
    if (!connection) {
        void showWarningMessage(NOT_RUNNING);
        return undefined;
    }
    const project = typeof target === 'string' ? target : host.activeFile();
    try {
        return await connection.sendRequest<R>(EXECUTE_COMMAND_REQUEST, { command, arguments: project ? [project] : [] });
    } catch (error) {
        traceError(`${command} failed:`, error);
        void showErrorMessage(`hotbed: ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
    }
}

async function showDependencyTree(host: CommandHost): Promise<void> {
    const dump = await executeServerCommand<DumpEntry[] | null>(host, ServerCommand.dump);
    if (dump === undefined) {
        return;
    }
    const launch = await host.devServerLaunch();
    await host.dependencyTree.show(dump ?? [], launch?.cwd);
}

/**
 * Starts the dev server in a terminal (in `folder`, the project a status named, else the workspace's),
 * or, when it already runs there, reconnects the language server to it.
 */
async function startDevServer(host: CommandHost, folder?: unknown): Promise<void> {
    if (host.terminal.running) {
        traceInfo('The dev server terminal is open; restarting the language server to reconnect.');
        host.terminal.show();
        await host.restartLanguageServer();
        return;
    }
    const launch = await host.devServerLaunch();
    if (!launch) {
        void showWarningMessage('hotbed: no hotbed project in this workspace (hotbed.toml, [tool.hotbed] or .hotbed/).');
        return;
    }
    const cwd = typeof folder === 'string' ? folder : launch.cwd;
    traceInfo(`Starting the dev server: ${launch.interpreter.join(' ')} -m hotbed dev (in ${cwd})`);
    host.terminal.start(launch.interpreter, cwd);
}

export function registerCommands(host: CommandHost): Disposable[] {
    return [
        registerCommand(Command.restart, (target) => executeServerCommand(host, ServerCommand.restart, target)),
        registerCommand(Command.sync, (target) => executeServerCommand(host, ServerCommand.sync, target)),
        registerCommand(Command.showDependencyTree, () => showDependencyTree(host)),
        registerCommand(Command.startDevServer, (folder) => startDevServer(host, folder)),
        registerCommand(Command.showOutput, () => host.showOutput()),
        registerCommand(Command.restartServer, () => host.restartLanguageServer()),
    ];
}
