/** Builds the LanguageClient that runs `<python> -m hotbed_lsp` over stdio. */
import type { FileSystemWatcher, LogOutputChannel } from 'vscode';
import {
    LanguageClient,
    RevealOutputChannelOn,
    type LanguageClientOptions,
    type ServerOptions,
} from 'vscode-languageclient/node';
import { EXTENSION_NAME, SERVER_MODULE } from './constants';

export interface ClientOptions {
    interpreter: readonly string[];
    serverArgs: readonly string[];
    /** The project folder: the server's working directory. */
    cwd: string;
    outputChannel: LogOutputChannel;
    /** Files whose changes outside the editor the server hears about (didChangeWatchedFiles). */
    watchers: FileSystemWatcher[];
    /** Server commands the extension registers itself; the client must not register them again. */
    ownedCommands: readonly string[];
}

export const DOCUMENT_SELECTOR = [
    { scheme: 'file', language: 'python' },
    { scheme: 'file', pattern: '**/*.entity.json' },
];

export function createLanguageClient(options: ClientOptions): LanguageClient {
    const [command, ...interpreterArgs] = options.interpreter;
    const serverOptions: ServerOptions = {
        command,
        args: [...interpreterArgs, '-m', SERVER_MODULE, ...options.serverArgs],
        options: { cwd: options.cwd, env: { ...process.env } },
    };
    const clientOptions: LanguageClientOptions = {
        documentSelector: DOCUMENT_SELECTOR,
        outputChannel: options.outputChannel,
        traceOutputChannel: options.outputChannel,
        revealOutputChannelOn: RevealOutputChannelOn.Never,
        synchronize: { fileEvents: options.watchers },
        initializationOptions: { projectRoot: options.cwd },
    };
    const client = new LanguageClient(EXTENSION_NAME, EXTENSION_NAME, serverOptions, clientOptions);
    claimServerCommands(client, options.ownedCommands);
    return client;
}

/**
 * The client registers a VS Code command for every command the server advertises; `hotbed.restart`
 * and `hotbed.sync` are the extension's own (they must exist while no server runs), so they are
 * left out of that registration and sent with `workspace/executeCommand` by the extension.
 */
function claimServerCommands(client: LanguageClient, owned: readonly string[]): void {
    const feature = client.getFeature('workspace/executeCommand');
    const register = feature.register.bind(feature);
    feature.register = (data) => {
        const commands = (data.registerOptions.commands ?? []).filter((command) => !owned.includes(command));
        register({ ...data, registerOptions: { ...data.registerOptions, commands } });
    };
}
