import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LanguageClient } from 'vscode-languageclient/node';
import { type ClientOptions, clientOptions, createLanguageClient, serverExecutable } from '../src/common/client';
import { ROOT } from './helpers';
import { commands, fake, FakeFileSystemWatcher, resetFake, window } from './mocks/vscode';
import { ServerPeer } from './peer';

function options(overrides: Partial<ClientOptions> = {}): ClientOptions {
    return {
        interpreter: ['/venv/bin/python', '-X', 'dev'],
        serverArgs: ['-v'],
        cwd: ROOT,
        outputChannel: window.createOutputChannel('hotbed') as never,
        watchers: [new FakeFileSystemWatcher('**/*.py') as never],
        ownedCommands: ['hotbed.restart', 'hotbed.sync'],
        ...overrides,
    };
}

let peer: ServerPeer;
let clients: LanguageClient[];

function start(opts: ClientOptions): Promise<void> {
    const client = createLanguageClient(opts, peer.serverOptions);
    clients.push(client);
    return client.start();
}

beforeEach(() => {
    resetFake();
    peer = new ServerPeer();
    clients = [];
});

afterEach(async () => {
    await Promise.allSettled(clients.map((client) => client.dispose()));
    peer.dispose();
});

describe('serverExecutable', () => {
    it('runs `<python> [interpreter args] -m hotbed_lsp [server args]` in the project folder', () => {
        const executable = serverExecutable(options());
        expect(executable.command).toBe('/venv/bin/python');
        expect(executable.args).toEqual(['-X', 'dev', '-m', 'hotbed_lsp', '-v']);
        expect(executable.options?.cwd).toBe(ROOT);
        expect(executable.options?.env).toMatchObject({ PATH: process.env.PATH });
    });
});

describe('clientOptions', () => {
    it('selects Python files and entity files on disk', () => {
        expect(clientOptions(options()).documentSelector).toEqual([
            { scheme: 'file', language: 'python' },
            { scheme: 'file', pattern: '**/*.entity.json' },
        ]);
    });

    it('hands the watchers to the client for didChangeWatchedFiles, and the project folder as projectRoot', () => {
        const opts = options();
        const built = clientOptions(opts);
        expect(built.synchronize?.fileEvents).toBe(opts.watchers);
        expect(built.initializationOptions).toEqual({ projectRoot: ROOT });
        expect(built.outputChannel).toBe(opts.outputChannel);
    });
});

describe('createLanguageClient', () => {
    it('sends projectRoot in initialize', async () => {
        await start(options());
        expect(peer.last?.initializeParams?.initializationOptions).toEqual({ projectRoot: ROOT });
    });

    it("registers only the server commands the extension does not own, so VS Code's registry takes them", async () => {
        fake.commands.set('hotbed.restart', () => 'the extension');
        fake.commands.set('hotbed.sync', () => 'the extension');
        await start(options());
        const byClient = commands.registerCommand.mock.calls.map(([id]) => id);
        expect(byClient).toEqual(['hotbed.dump']);
        expect(fake.commands.get('hotbed.restart')!()).toBe('the extension');
    });

    it('the command it registers goes to the server as workspace/executeCommand', async () => {
        await start(options());
        await commands.executeCommand('hotbed.dump');
        expect(peer.last?.requests.at(-1)).toEqual({
            method: 'workspace/executeCommand',
            params: { command: 'hotbed.dump', arguments: [] },
        });
    });

    it('without claiming them, the client would register the extension commands again and fail to start', async () => {
        fake.commands.set('hotbed.restart', () => 'the extension');
        await expect(start(options({ ownedCommands: [] }))).rejects.toThrow("command 'hotbed.restart' already exists");
    });
});
