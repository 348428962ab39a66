import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLanguageClient } from '../src/common/client';
import { LS_SERVER_RESTART_DELAY, RESTART_GRACE_MS } from '../src/common/constants';
import { activate, deactivate } from '../src/extension';
import { report, status, syntaxError } from './helpers';
import {
    activateEditor,
    addFile,
    addWorkspaceFolder,
    commands,
    fake,
    type FakeStatusBarItem,
    resetFake,
    window,
    workspace,
} from './mocks/vscode';
import { ServerPeer } from './peer';

const ROOT = '/home/me/blog';
const MARKERS_GLOB = '**/{hotbed.toml,pyproject.toml,.hotbed}';

let peer: ServerPeer;
let subscriptions: { dispose(): unknown }[];

/** Activates as VS Code does, with clients that reach `peer` instead of a Python process. */
async function activated(): Promise<void> {
    await activate({ subscriptions } as never, (options) => createLanguageClient(options, peer.serverOptions));
}

function statusItem(): FakeStatusBarItem {
    return fake.statusBarItems.find((item) => item.id === 'hotbed.status')!;
}

function markerWatcher() {
    return fake.watchers.find((watcher) => watcher.glob === MARKERS_GLOB);
}

/** The requests for `workspace/executeCommand` the language servers received, by command. */
function serverCommands(): string[] {
    return peer.connections.flatMap((connection) =>
        connection.requests
            .filter((request) => request.method === 'workspace/executeCommand')
            .map((request) => (request.params as { command: string }).command),
    );
}

beforeEach(() => {
    resetFake();
    peer = new ServerPeer();
    subscriptions = [];
    addWorkspaceFolder(ROOT);
});

afterEach(async () => {
    vi.useRealTimers();
    await deactivate();
    for (const subscription of subscriptions) {
        subscription.dispose();
    }
    peer.dispose();
});

describe('activate in a hotbed project', () => {
    beforeEach(() => addFile(`${ROOT}/hotbed.toml`));

    it('starts the language server for the project and shows the status bar', async () => {
        await activated();
        expect(peer.connections).toHaveLength(1);
        expect(peer.last?.initializeParams?.initializationOptions).toEqual({ projectRoot: ROOT });
        expect(statusItem().visible).toBe(true);
        expect([...fake.commands.keys()]).toContain('hotbed.dump');
        expect(markerWatcher()).toBeUndefined();
    });

    it('a status from the server moves the status bar and notifies an error', async () => {
        await activated();
        const failed = report({ ok: false, errors: [syntaxError] });
        await peer.last!.sendStatus(status('error', { message: 'reload failed', report: failed }));
        await vi.waitFor(() => expect(statusItem().text).toBe('$(error) hotbed: 1 error'));
        expect(window.withProgress.mock.calls[0]![0].title).toBe(
            'hotbed: reload failed (click hotbed in the status bar to open it)',
        );
    });

    it('the status bar follows the project of the active editor, and commands go to it', async () => {
        await activated();
        await peer.last!.sendStatus(status('ok', { root: ROOT }));
        await peer.last!.sendStatus(status('disconnected', { root: `${ROOT}/tools`, message: 'no hotbed dev running' }));
        await vi.waitFor(() => expect(statusItem().text).toBe('$(check) hotbed (blog)'));
        activateEditor(`${ROOT}/tools/seed.py`);
        expect(statusItem().text).toBe('$(debug-disconnect) hotbed (tools): not running');
        await commands.executeCommand('hotbed.sync');
        await vi.waitFor(() => expect(serverCommands()).toEqual(['hotbed.sync']));
        const sent = peer.last!.requests.find((request) => request.method === 'workspace/executeCommand')!;
        expect(sent.params).toEqual({ command: 'hotbed.sync', arguments: [`file://${ROOT}/tools/seed.py`] });
    });

    it('a restart the dev server makes by itself gets no warning and no second restart', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        fake.config.set('hotbed.autoRestart', true);
        await activated();
        await peer.last!.sendStatus(status('restart-required'));
        await peer.last!.sendStatus(status('restarting'));
        await peer.last!.sendStatus(status('ok'));
        await vi.waitFor(() => expect(statusItem().text).toBe('$(check) hotbed'));
        await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS * 2);
        expect(commands.executeCommand).not.toHaveBeenCalledWith('hotbed.restart');
        expect(serverCommands()).toEqual([]);
        expect(window.showWarningMessage).not.toHaveBeenCalled();
    });

    it('with autoRestart, a restart the dev server does not make is asked for once', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        fake.config.set('hotbed.autoRestart', true);
        await activated();
        await peer.last!.sendStatus(status('restart-required'));
        await vi.waitFor(() => expect(statusItem().text).toContain('restart required'));
        await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS);
        await vi.waitFor(() => expect(serverCommands()).toEqual(['hotbed.restart']));
        expect(window.showWarningMessage).not.toHaveBeenCalled();
    });

    it('a change to the interpreter or server arguments restarts the language server once', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        await activated();
        fake.configurationChanged.fire({ affectsConfiguration: (section) => section === 'hotbed.interpreter' });
        fake.configurationChanged.fire({ affectsConfiguration: (section) => section === 'hotbed.serverArgs' });
        await vi.advanceTimersByTimeAsync(LS_SERVER_RESTART_DELAY);
        await vi.waitFor(() => expect(peer.connections[1]?.initializeParams).toBeDefined());
        expect(peer.connections).toHaveLength(2);
        expect(peer.connections[0]!.exited).toBe(true);
    });

    it('other setting changes leave the language server alone', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        await activated();
        fake.configurationChanged.fire({ affectsConfiguration: (section) => section === 'hotbed.autoRestart' });
        await vi.advanceTimersByTimeAsync(LS_SERVER_RESTART_DELAY * 2);
        // A restart would have begun by now, and its first step disposes the client's file watchers.
        expect(fake.watchers.filter((watcher) => watcher.disposed)).toEqual([]);
        expect(peer.connections).toHaveLength(1);
    });
});

describe('activate outside a hotbed project', () => {
    it('stays idle, then starts when a project marker appears', async () => {
        await activated();
        expect(peer.connections).toHaveLength(0);
        expect(statusItem().visible).toBe(false);
        addFile(`${ROOT}/hotbed.toml`);
        markerWatcher()!.created.fire(fake.workspaceFolders[0]!.uri);
        await vi.waitFor(() => expect(peer.last?.initializeParams).toBeDefined());
        expect(statusItem().visible).toBe(true);
    });

    it('a pyproject.toml without [tool.hotbed] stays idle until the table is added', async () => {
        addFile(`${ROOT}/pyproject.toml`, '[project]\nname = "blog"\n');
        await activated();
        const watcher = markerWatcher()!;
        watcher.changed.fire(fake.workspaceFolders[0]!.uri);
        // The recheck ends with searches for hotbed.toml and .hotbed/dev.lock below the folder; let what follows run.
        await vi.waitFor(() => expect(workspace.findFiles).toHaveBeenCalledTimes(4));
        await new Promise((resolve) => setImmediate(resolve));
        expect(peer.connections).toHaveLength(0);
        expect(statusItem().visible).toBe(false);
        addFile(`${ROOT}/pyproject.toml`, '[project]\nname = "blog"\n\n[tool.hotbed]\n');
        watcher.changed.fire(fake.workspaceFolders[0]!.uri);
        await vi.waitFor(() => expect(peer.last?.initializeParams).toBeDefined());
        expect(peer.connections).toHaveLength(1);
    });
});
