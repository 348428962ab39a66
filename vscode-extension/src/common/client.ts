/** Builds the LanguageClient that runs `<python> -m hotbed_lsp` over stdio. */
import type { FileSystemWatcher, LogOutputChannel } from 'vscode';
import {
    type DynamicFeature,
    type Executable,
    type ExecuteCommandOptions,
    LanguageClient,
    type LanguageClientOptions,
    RevealOutputChannelOn,
    type ServerOptions,
} from 'vscode-languageclient/node';
import { ENTITY_GLOB, EXECUTE_COMMAND_REQUEST, EXTENSION_NAME, SERVER_MODULE } from './constants';

export interface ClientOptions {
    interpreter: readonly string[];
    serverArgs: readonly string[];
    /** The project folder: the server's working directory and its `projectRoot`. */
    cwd: string;
    outputChannel: LogOutputChannel;
    /** Files whose changes outside the editor the server hears about (didChangeWatchedFiles). */
    watchers: FileSystemWatcher[];
    /** Server commands the extension registers itself; the client must not register them again. */
    ownedCommands: readonly string[];
}

/** The documents the server hears about: Python files and entity files. */
export const DOCUMENT_SELECTOR = [
    { scheme: 'file', language: 'python' },
    { scheme: 'file', pattern: ENTITY_GLOB },
];

/** `<python> [interpreter args] -m hotbed_lsp [server args]`, run in the project folder. */
export function serverExecutable(options: ClientOptions): Executable {
    const [command, ...interpreterArgs] = options.interpreter;
    return {
        command,
        args: [...interpreterArgs, '-m', SERVER_MODULE, ...options.serverArgs],
        options: { cwd: options.cwd, env: { ...process.env } },
    };
}

export function clientOptions(options: ClientOptions): LanguageClientOptions {
    return {
        documentSelector: DOCUMENT_SELECTOR,
        outputChannel: options.outputChannel,
        traceOutputChannel: options.outputChannel,
        revealOutputChannelOn: RevealOutputChannelOn.Never,
        synchronize: { fileEvents: options.watchers },
        initializationOptions: { projectRoot: options.cwd },
    };
}

/** The client for `options`; `server` is how it reaches the server, the interpreter process unless given. */
export function createLanguageClient(
    options: ClientOptions,
    server: ServerOptions = serverExecutable(options),
): LanguageClient {
    const client = new LanguageClient(EXTENSION_NAME, EXTENSION_NAME, server, clientOptions(options));
    claimServerCommands(client.getFeature(EXECUTE_COMMAND_REQUEST), options.ownedCommands);
    return client;
}

/**
 * The client registers a VS Code command for every command the server advertises; `hotbed.restart`
 * and `hotbed.sync` are the extension's own (they must exist while no server runs, and VS Code
 * refuses a second registration), so they are left out of that registration and sent with
 * `workspace/executeCommand` by the extension.
 */
export function claimServerCommands(feature: DynamicFeature<ExecuteCommandOptions>, owned: readonly string[]): void {
    const register = feature.register.bind(feature);
    feature.register = (data) => {
        const commands = (data.registerOptions.commands ?? []).filter((command) => !owned.includes(command));
        register({ ...data, registerOptions: { ...data.registerOptions, commands } });
    };
}
