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
    /** The interpreter command and project folder for `hotbed dev`, or `undefined` outside a project. */
    devServerLaunch(): Promise<{ interpreter: string[]; cwd: string } | undefined>;
    showOutput(): void;
    dependencyTree: DependencyTreeDocument;
    terminal: DevServerTerminal;
}

const NOT_RUNNING = 'hotbed: the language server is not running. Is this a hotbed project? See "hotbed: Show Output".';

/** Sends a server command; failures are logged and shown, and yield `undefined`. */
export async function executeServerCommand<R>(host: CommandHost, command: string): Promise<R | undefined> {
    const connection = host.connection();
    if (!connection) {
        void showWarningMessage(NOT_RUNNING);
        return undefined;
    }
    try {
        return await connection.sendRequest<R>(EXECUTE_COMMAND_REQUEST, { command, arguments: [] });
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

/** Starts the dev server in a terminal, or, when it already runs there, reconnects the language server to it. */
async function startDevServer(host: CommandHost): Promise<void> {
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
    traceInfo(`Starting the dev server: ${launch.interpreter.join(' ')} -m hotbed dev (in ${launch.cwd})`);
    host.terminal.start(launch.interpreter, launch.cwd);
}

export function registerCommands(host: CommandHost): Disposable[] {
    return [
        registerCommand(Command.restart, () => executeServerCommand(host, ServerCommand.restart)),
        registerCommand(Command.sync, () => executeServerCommand(host, ServerCommand.sync)),
        registerCommand(Command.showDependencyTree, () => showDependencyTree(host)),
        registerCommand(Command.startDevServer, () => startDevServer(host)),
        registerCommand(Command.showOutput, () => host.showOutput()),
        registerCommand(Command.restartServer, () => host.restartLanguageServer()),
    ];
}
