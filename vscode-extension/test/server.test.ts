import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ClientOptions } from '../src/common/client';
import { HotbedServer } from '../src/common/server';
import type { Status } from '../src/common/types';
import { addWorkspaceFolder, fake, resetFake } from './mocks/vscode';

/** A stand-in for LanguageClient: the methods server.ts calls, recorded. */
class FakeClient {
    readonly notificationHandlers = new Map<string, (params: unknown) => void>();
    readonly stateListeners: ((event: { oldState: number; newState: number }) => void)[] = [];
    readonly start = vi.fn(async () => undefined);
    readonly stop = vi.fn(async () => undefined);
    listenersDisposed = 0;

    constructor(readonly options: ClientOptions) {}

    onNotification(method: string, handler: (params: unknown) => void) {
        this.notificationHandlers.set(method, handler);
        return { dispose: () => this.listenersDisposed++ };
    }

    onDidChangeState(listener: (event: { oldState: number; newState: number }) => void) {
        this.stateListeners.push(listener);
        return { dispose: () => this.listenersDisposed++ };
    }
}

let clients: FakeClient[];
let statuses: Status[];

function server(): HotbedServer {
    const folder = addWorkspaceFolder('/home/me/blog');
    return new HotbedServer({
        project: { folder: folder as never, root: folder.uri as never },
        outputChannel: {} as never,
        createClient: (options) => {
            const client = new FakeClient(options);
            clients.push(client);
            return client as unknown as LanguageClient;
        },
        onStatus: (status) => statuses.push(status),
        restartDelay: 50,
    });
}

beforeEach(() => {
    resetFake();
    clients = [];
    statuses = [];
    fake.config.set('hotbed.interpreter', ['${workspaceFolder}/.venv/bin/python']);
    fake.config.set('hotbed.serverArgs', ['-v']);
});

afterEach(() => {
    vi.useRealTimers();
});

describe('HotbedServer', () => {
    it('starts a client with the interpreter, arguments and project folder from the settings', async () => {
        const s = server();
        const client = await s.restart();
        expect(client).toBe(clients[0]);
        expect(s.connection).toBe(clients[0]);
        expect(clients[0]!.options).toMatchObject({
            interpreter: ['/home/me/blog/.venv/bin/python'],
            serverArgs: ['-v'],
            cwd: '/home/me/blog',
            ownedCommands: ['hotbed.restart', 'hotbed.sync'],
        });
        expect(clients[0]!.start).toHaveBeenCalledOnce();
        expect(fake.watchers.map((w) => w.glob)).toEqual([
            '**/*.py',
            '**/*.entity.json',
            '**/{hotbed.toml,pyproject.toml,.env}',
        ]);
    });

    it('restart stops the old client and disposes its listeners before starting a new one', async () => {
        const s = server();
        await s.restart();
        await s.restart();
        expect(clients).toHaveLength(2);
        expect(clients[0]!.stop).toHaveBeenCalledOnce();
        expect(clients[0]!.listenersDisposed).toBe(2);
        expect(fake.watchers.slice(0, 3).every((w) => w.disposed)).toBe(true);
        expect(s.connection).toBe(clients[1]);
    });

    it('forwards hotbed/status notifications that fit the protocol, and ignores the rest', async () => {
        const s = server();
        await s.restart();
        const handler = clients[0]!.notificationHandlers.get('hotbed/status')!;
        handler({ state: 'disconnected', message: 'no dev server', report: null });
        handler({ state: 'sideways', message: 'x', report: null });
        expect(statuses).toEqual([{ state: 'disconnected', message: 'no dev server', report: null }]);
    });

    it('reports "stopped" when the running client stops', async () => {
        const s = server();
        await s.restart();
        clients[0]!.stateListeners[0]!({ oldState: 2, newState: 1 });
        expect(statuses.map((status) => status.state)).toEqual(['stopped']);
    });

    it('a failed start is logged and yields undefined, never a throw', async () => {
        const s = new HotbedServer({
            project: { folder: addWorkspaceFolder('/w') as never, root: fake.workspaceFolders[0]!.uri as never },
            outputChannel: {} as never,
            createClient: () => {
                throw new Error('spawn python3 ENOENT');
            },
            onStatus: (status) => statuses.push(status),
        });
        await expect(s.restart()).resolves.toBeUndefined();
        expect(s.connection).toBeUndefined();
        expect(statuses.at(-1)?.state).toBe('stopped');
    });

    it('coalesces a burst of restart requests into one restart', async () => {
        vi.useFakeTimers();
        const s = server();
        s.requestRestart();
        s.requestRestart();
        s.requestRestart();
        expect(clients).toHaveLength(0);
        await vi.advanceTimersByTimeAsync(50);
        expect(clients).toHaveLength(1);
    });

    it('a restart asked for while one runs is scheduled, not run alongside', async () => {
        vi.useFakeTimers();
        const s = server();
        const first = s.restart();
        await expect(s.restart()).resolves.toBeUndefined();
        await first;
        expect(clients).toHaveLength(1);
        await vi.advanceTimersByTimeAsync(50);
        expect(clients).toHaveLength(2);
        expect(clients[0]!.stop).toHaveBeenCalledOnce();
    });

    it('dispose cancels a pending restart and stops the client', async () => {
        vi.useFakeTimers();
        const s = server();
        await s.restart();
        s.requestRestart();
        s.dispose();
        await vi.advanceTimersByTimeAsync(100);
        expect(clients).toHaveLength(1);
        expect(clients[0]!.stop).toHaveBeenCalledOnce();
    });
});
