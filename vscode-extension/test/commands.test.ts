import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type CommandHost, registerCommands } from '../src/common/commands';
import { DependencyTreeDocument } from '../src/common/dependencyTree';
import { DevServerTerminal } from '../src/common/terminal';
import type { DumpEntry } from '../src/common/types';
import { ROOT } from './helpers';
import { commands, fake, resetFake, Uri, window, workspace } from './mocks/vscode';

const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
    contributes: { commands: { command: string }[] };
};

/** `hotbed.dump` as the server sends it: `path` relative to the project, `nodePath` absolute, edges by `path`. */
const dump: DumpEntry[] = [
    {
        path: 'src/app.py',
        nodePath: `${ROOT}/src/app.py`,
        boundary: true,
        reloadable: true,
        version: 2,
        dependencies: ['src/user.py'],
        dependents: [],
        apis: [],
    },
    {
        path: 'src/user.py',
        nodePath: `${ROOT}/src/user.py`,
        boundary: false,
        reloadable: true,
        version: 1,
        dependencies: [],
        dependents: ['src/app.py'],
        apis: ['GET /api/user/list'],
    },
];

interface TestHost extends CommandHost {
    sendRequest: ReturnType<typeof vi.fn>;
    restartLanguageServer: ReturnType<typeof vi.fn<() => Promise<unknown>>>;
    showOutput: ReturnType<typeof vi.fn<() => void>>;
    registrations: { dispose(): void }[];
}

function host(options: { connected?: boolean; activeFile?: string } = {}): TestHost {
    const sendRequest = vi.fn(async (_method: string, params: { command: string }) =>
        params.command === 'hotbed.dump' ? dump : {},
    );
    const result: TestHost = {
        sendRequest,
        connection: () => (options.connected === false ? undefined : { sendRequest: sendRequest as never }),
        restartLanguageServer: vi.fn(async () => undefined),
        activeFile: () => options.activeFile,
        devServerLaunch: async () => ({ interpreter: ['/venv/bin/python', '-X', 'dev'], cwd: ROOT }),
        showOutput: vi.fn(),
        dependencyTree: new DependencyTreeDocument(),
        terminal: new DevServerTerminal(),
        registrations: [],
    };
    result.registrations = registerCommands(result);
    return result;
}

async function run(command: string, ...args: unknown[]): Promise<unknown> {
    return commands.executeCommand(command, ...args);
}

beforeEach(resetFake);

describe('registerCommands', () => {
    it('registers exactly the commands package.json contributes', () => {
        host();
        expect([...fake.commands.keys()].sort()).toEqual(manifest.contributes.commands.map((c) => c.command).sort());
    });

    it('returns disposables that unregister them', () => {
        for (const registration of host().registrations) {
            registration.dispose();
        }
        expect(fake.commands.size).toBe(0);
    });

    it.each([
        ['hotbed.restart', 'hotbed.restart'],
        ['hotbed.sync', 'hotbed.sync'],
    ])('%s sends workspace/executeCommand %s', async (command, serverCommand) => {
        const h = host();
        await run(command);
        expect(h.sendRequest).toHaveBeenCalledExactlyOnceWith('workspace/executeCommand', {
            command: serverCommand,
            arguments: [],
        });
    });

    it('server commands are for the active file\'s project, or the project a status names', async () => {
        const h = host({ activeFile: 'file:///home/me/b/routes.py' });
        await run('hotbed.sync');
        await run('hotbed.restart', '/home/me/a');
        expect(h.sendRequest.mock.calls).toEqual([
            ['workspace/executeCommand', { command: 'hotbed.sync', arguments: ['file:///home/me/b/routes.py'] }],
            ['workspace/executeCommand', { command: 'hotbed.restart', arguments: ['/home/me/a'] }],
        ]);
    });

    it('hotbed.startDevServer runs in the project folder a status names', async () => {
        host();
        await run('hotbed.startDevServer', '/home/me/b');
        expect(window.createTerminal).toHaveBeenCalledExactlyOnceWith(expect.objectContaining({ cwd: '/home/me/b' }));
    });

    it('hotbed.showDependencyTree renders hotbed.dump into a virtual document', async () => {
        const h = host();
        await run('hotbed.showDependencyTree');
        expect(h.sendRequest).toHaveBeenCalledExactlyOnceWith('workspace/executeCommand', {
            command: 'hotbed.dump',
            arguments: [],
        });
        const [uri] = workspace.openTextDocument.mock.calls[0]! as [Uri];
        expect(uri.toString()).toBe('hotbed:///dependency-tree.txt');
        const [document, options] = window.showTextDocument.mock.calls[0]! as unknown as [{ getText(): string }, unknown];
        expect(document.getText()).toContain('src/app.py [v2, boundary]\n└── src/user.py [v1, 1 API]');
        expect(options).toEqual({ preview: true });
    });

    it('hotbed.startDevServer runs `<python> -m hotbed dev` in a terminal in the project', async () => {
        const h = host();
        await run('hotbed.startDevServer');
        expect(window.createTerminal).toHaveBeenCalledExactlyOnceWith({
            name: 'hotbed dev',
            cwd: ROOT,
            shellPath: '/venv/bin/python',
            shellArgs: ['-X', 'dev', '-m', 'hotbed', 'dev'],
        });
        expect(fake.terminals[0]!.show).toHaveBeenCalled();
        expect(h.restartLanguageServer).not.toHaveBeenCalled();
    });

    it('hotbed.startDevServer reconnects when the dev server terminal already runs', async () => {
        const h = host();
        await run('hotbed.startDevServer');
        await run('hotbed.startDevServer');
        expect(window.createTerminal).toHaveBeenCalledOnce();
        expect(h.restartLanguageServer).toHaveBeenCalledOnce();
    });

    it('hotbed.startDevServer starts a new terminal once the old one closed', async () => {
        host();
        await run('hotbed.startDevServer');
        fake.terminalClosed.fire(fake.terminals[0]!);
        await run('hotbed.startDevServer');
        expect(window.createTerminal).toHaveBeenCalledTimes(2);
    });

    it('hotbed.showOutput shows the output channel', async () => {
        const h = host();
        await run('hotbed.showOutput');
        expect(h.showOutput).toHaveBeenCalledOnce();
    });

    it('hotbed.restartServer restarts the language server', async () => {
        const h = host();
        await run('hotbed.restartServer');
        expect(h.restartLanguageServer).toHaveBeenCalledOnce();
        expect(h.sendRequest).not.toHaveBeenCalled();
    });

    it('server commands without a language server warn and send nothing', async () => {
        const h = host({ connected: false });
        await expect(run('hotbed.sync')).resolves.toBeUndefined();
        expect(window.showWarningMessage).toHaveBeenCalledOnce();
        expect(h.sendRequest).not.toHaveBeenCalled();
    });

    it('a failing server command is shown, not thrown', async () => {
        const h = host();
        h.sendRequest.mockRejectedValueOnce(new Error('no dev server'));
        await expect(run('hotbed.restart')).resolves.toBeUndefined();
        expect(window.showErrorMessage).toHaveBeenCalledWith('hotbed: hotbed.restart failed: no dev server');
    });
});
