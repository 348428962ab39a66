import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ClientOptions, createLanguageClient } from '../src/common/client';
import { HotbedServer, type ServerOptions } from '../src/common/server';
import type { Status } from '../src/common/types';
import { addWorkspaceFolder, fake, resetFake, window } from './mocks/vscode';
import { ServerPeer } from './peer';

const RESTART_DELAY = 50;

let peer: ServerPeer;
let created: ClientOptions[];
let statuses: Status[];
let servers: HotbedServer[];

/** A HotbedServer whose clients are real LanguageClients talking to `peer`. */
function server(overrides: Partial<ServerOptions> = {}): HotbedServer {
    const folder = addWorkspaceFolder('/home/me/blog');
    const s = new HotbedServer({
        project: { folder: folder as never, root: folder.uri as never },
        outputChannel: window.createOutputChannel('hotbed') as never,
        createClient: (options) => {
            created.push(options);
            return createLanguageClient(options, peer.serverOptions);
        },
        onStatus: (status) => statuses.push(status),
        restartDelay: RESTART_DELAY,
        ...overrides,
    });
    servers.push(s);
    return s;
}

beforeEach(() => {
    resetFake();
    peer = new ServerPeer();
    created = [];
    statuses = [];
    servers = [];
    fake.config.set('hotbed.interpreter', ['${workspaceFolder}/.venv/bin/python']);
    fake.config.set('hotbed.serverArgs', ['-v']);
});

afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(servers.map((s) => s.stop()));
    peer.dispose();
});

describe('HotbedServer', () => {
    it('starts a client with the interpreter, arguments and project folder from the settings', async () => {
        const s = server();
        const client = await s.restart();
        expect(client?.isRunning()).toBe(true);
        expect(s.connection).toBe(client);
        expect(created).toEqual([
            expect.objectContaining({
                interpreter: ['/home/me/blog/.venv/bin/python'],
                serverArgs: ['-v'],
                cwd: '/home/me/blog',
                ownedCommands: ['hotbed.restart', 'hotbed.sync'],
            }),
        ]);
        expect(peer.connections).toHaveLength(1);
        expect(peer.last?.initializeParams?.initializationOptions).toEqual({ projectRoot: '/home/me/blog' });
        expect(fake.watchers.map((w) => w.glob)).toEqual([
            '**/*.py',
            '**/*.entity.json',
            '**/{hotbed.toml,pyproject.toml,.env}',
        ]);
    });

    it('restart shuts the old server down and disposes its watchers before starting a new one, without a "stopped"', async () => {
        const s = server();
        const first = await s.restart();
        const second = await s.restart();
        expect(peer.connections).toHaveLength(2);
        expect(peer.connections[0]!.exited).toBe(true);
        expect(peer.connections[1]!.exited).toBe(false);
        expect(first?.isRunning()).toBe(false);
        expect(s.connection).toBe(second);
        expect(fake.watchers.slice(0, 3).every((w) => w.disposed)).toBe(true);
        expect(fake.watchers.slice(3).some((w) => w.disposed)).toBe(false);
        expect(statuses).toEqual([]);
    });

    it('forwards hotbed/status notifications that fit the protocol, and ignores the rest', async () => {
        const s = server();
        await s.restart();
        await peer.last!.sendStatus({ state: 'sideways' as never, message: 'x', report: null });
        await peer.last!.sendStatus({ state: 'disconnected', message: 'no dev server', report: null });
        await vi.waitFor(() => expect(statuses).toHaveLength(1));
        expect(statuses).toEqual([{ state: 'disconnected', message: 'no dev server', report: null }]);
    });

    it('reports "stopped" when the running client stops', async () => {
        const s = server();
        const client = await s.restart();
        await client!.stop();
        expect(statuses.map((status) => status.state)).toEqual(['stopped']);
    });

    it('a failed start is logged and yields undefined, never a throw', async () => {
        const s = server({
            createClient: (options) =>
                createLanguageClient(options, async () => {
                    throw new Error('spawn python3 ENOENT');
                }),
        });
        await expect(s.restart()).resolves.toBeUndefined();
        expect(s.connection).toBeUndefined();
        expect(statuses.at(-1)?.state).toBe('stopped');
        expect(fake.watchers.every((w) => w.disposed)).toBe(true);
    });

    it('coalesces a burst of restart requests into one restart', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        const s = server();
        s.requestRestart();
        s.requestRestart();
        s.requestRestart();
        expect(created).toHaveLength(0);
        await vi.advanceTimersByTimeAsync(RESTART_DELAY);
        await vi.waitFor(() => expect(s.connection?.isRunning()).toBe(true));
        expect(created).toHaveLength(1);
    });

    it('a restart asked for while one runs is scheduled, not run alongside', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        const s = server();
        const first = s.restart();
        await expect(s.restart()).resolves.toBeUndefined();
        await first;
        expect(created).toHaveLength(1);
        await vi.advanceTimersByTimeAsync(RESTART_DELAY);
        await vi.waitFor(() => expect(peer.connections[1]?.initializeParams).toBeDefined());
        expect(created).toHaveLength(2);
        expect(peer.connections[0]!.exited).toBe(true);
    });

    it('dispose cancels a pending restart and stops the client', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        const s = server();
        const client = await s.restart();
        s.requestRestart();
        s.dispose();
        await vi.advanceTimersByTimeAsync(RESTART_DELAY * 2);
        await vi.waitFor(() => expect(peer.connections[0]!.exited).toBe(true));
        expect(created).toHaveLength(1);
        expect(client?.isRunning()).toBe(false);
    });
});
