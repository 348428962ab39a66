/**
 * Drives the real language server (`<python> -m hotbed_lsp`) over stdio with vscode-jsonrpc, as
 * the extension's client does, and checks the `hotbed/status` notifications the status bar
 * consumes: first with no dev server running, then beside a real `hotbed dev` serving a copy of
 * examples/hello, where saves produce real reports. The status bar's own code reads them. Python
 * comes from HOTBED_PYTHON, else the repository's .venv. Run with `npm run test:protocol`.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    createMessageConnection,
    type MessageConnection,
    StreamMessageReader,
    StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import { SERVER_MODULE, STATUS_NOTIFICATION } from '../src/common/constants';
import { renderDependencyTree } from '../src/common/dependencyTree';
import { describeStatus, parseStatus, renderTooltip } from '../src/common/status';
import type { DumpEntry, Report, ReportError } from '../src/common/types';
import type { Uri } from './mocks/vscode';

/** Generous: a loaded machine may take seconds to start Python or a worker. */
const TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 4 * TIMEOUT_MS;
const REPOSITORY = path.join(__dirname, '..', '..');
const PYTHON = path.resolve(process.env.HOTBED_PYTHON || path.join(REPOSITORY, '.venv', 'bin', 'python'));
const FIXTURE = path.join(__dirname, 'fixtures', 'tiny-project');
const HELLO = path.join(REPOSITORY, 'examples', 'hello');
const STATES = ['idle', 'syncing', 'ok', 'error', 'restart-required', 'restarting', 'disconnected'];

interface StatusParams {
    state: string;
    root: string;
    message: string;
    report: Record<string, unknown> | null;
}

/**
 * Resolves with `promise`, or rejects after `ms`, or as soon as `exited` settles (the process
 * died), saying what did not happen and what the process wrote.
 */
function within<T>(promise: Promise<T>, ms: number, what: string, exited?: Promise<unknown>, log = () => ''): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        const fail = (why: string) => reject(new Error(`${what} ${why}.\n${log()}`));
        const timer = setTimeout(() => fail(`within ${ms / 1000} s`), ms);
        void exited?.then((code) => {
            clearTimeout(timer);
            fail(`: the process exited with code ${String(code)}`);
        });
        promise.then(
            (value) => {
                clearTimeout(timer);
                resolve(value);
            },
            (error: unknown) => {
                clearTimeout(timer);
                reject(error instanceof Error ? error : new Error(String(error)));
            },
        );
    });
}

function checkPython(): void {
    if (!fs.existsSync(PYTHON)) {
        throw new Error(`No Python at ${PYTHON}: run \`make\` at the repository root, or set HOTBED_PYTHON.`);
    }
}

/** The environment for Python processes, minus what would change how hotbed runs. */
function pythonEnvironment(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1', NO_COLOR: '1', COLUMNS: '200' };
    delete env.HOT;
    delete env.PYTHONPATH;
    return env;
}

/** `<python> -m hotbed_lsp` in `root`, spoken to as the extension's LanguageClient does. */
class LanguageServer {
    readonly statuses: StatusParams[] = [];
    readonly exited: Promise<number | null>;
    private readonly process: ChildProcessWithoutNullStreams;
    private readonly connection: MessageConnection;
    private readonly waiters = new Set<() => void>();
    private stderr = '';
    private versions = new Map<string, number>();

    constructor(private readonly root: string) {
        this.process = spawn(PYTHON, ['-m', SERVER_MODULE], { cwd: root, env: pythonEnvironment() });
        this.process.stderr.on('data', (chunk: Buffer) => {
            this.stderr += chunk.toString();
        });
        this.exited = new Promise((resolve) => this.process.on('exit', (code) => resolve(code)));
        // Writes after an early exit fail; the exit itself is what the tests report.
        this.process.stdin.on('error', () => undefined);
        this.connection = createMessageConnection(
            new StreamMessageReader(this.process.stdout),
            new StreamMessageWriter(this.process.stdin),
        );
        this.connection.onNotification(STATUS_NOTIFICATION, (params: StatusParams) => {
            this.statuses.push(params);
            for (const waiter of this.waiters) {
                waiter();
            }
        });
        // Requests a server may send: answer as VS Code does, without effects.
        this.connection.onRequest('workspace/configuration', (params: { items: unknown[] }) => params.items.map(() => null));
        this.connection.onRequest('client/registerCapability', () => null);
        this.connection.onRequest('client/unregisterCapability', () => null);
        this.connection.onRequest('window/workDoneProgress/create', () => null);
        this.connection.onRequest('workspace/codeLens/refresh', () => null);
        this.connection.onRequest('workspace/workspaceFolders', () => [this.folder]);
        this.connection.listen();
    }

    private get folder() {
        return { uri: pathToFileURL(this.root).href, name: path.basename(this.root) };
    }

    private log = (): string => `(server: ${PYTHON} -m ${SERVER_MODULE} in ${this.root})\nstderr:\n${this.stderr || '(empty)'}`;

    private within<T>(promise: Promise<T>, what: string): Promise<T> {
        return within(promise, TIMEOUT_MS, what, this.exited, this.log);
    }

    /** `initialize` and `initialized` with the capabilities and options the extension's client sends. */
    async initialize(): Promise<{ capabilities: Record<string, unknown> }> {
        const result = await this.within(
            this.connection.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
                processId: process.pid,
                clientInfo: { name: 'hotbed-protocol-test' },
                rootUri: this.folder.uri,
                rootPath: this.root,
                workspaceFolders: [this.folder],
                initializationOptions: { projectRoot: this.root },
                capabilities: {
                    workspace: {
                        workspaceFolders: true,
                        configuration: true,
                        executeCommand: { dynamicRegistration: true },
                        didChangeWatchedFiles: { dynamicRegistration: true },
                    },
                    textDocument: {
                        synchronization: { didSave: true, dynamicRegistration: true },
                        publishDiagnostics: { relatedInformation: true },
                    },
                    window: { workDoneProgress: true },
                },
            }),
            'No answer to initialize',
        );
        await this.connection.sendNotification('initialized', {});
        return result;
    }

    /** The first status from index `since` on for which `predicate` holds, received or to come. */
    waitForStatus(predicate: (status: StatusParams) => boolean, what: string, since = 0): Promise<StatusParams> {
        let check = () => undefined as StatusParams | undefined;
        const found = new Promise<StatusParams>((resolve) => {
            check = () => {
                const status = this.statuses.slice(since).find(predicate);
                if (status) {
                    resolve(status);
                }
                return status;
            };
            this.waiters.add(check);
            check();
        });
        const seen = () => this.statuses.map((s) => `${s.state}: ${s.message}`).join('\n') || '(none)';
        return within(found, TIMEOUT_MS, `No ${STATUS_NOTIFICATION} ${what} arrived`, this.exited, () => {
            return `statuses:\n${seen()}\n${this.log()}`;
        }).finally(() => this.waiters.delete(check));
    }

    /** Writes `text` to `file` as an editor saves: didOpen once, didChange, write, didSave. */
    async save(file: string, text: string): Promise<void> {
        const uri = pathToFileURL(file).href;
        const version = (this.versions.get(uri) ?? 0) + 1;
        this.versions.set(uri, version);
        if (version === 1) {
            await this.connection.sendNotification('textDocument/didOpen', {
                textDocument: { uri, languageId: 'python', version, text: fs.readFileSync(file, 'utf8') },
            });
        }
        await this.connection.sendNotification('textDocument/didChange', {
            textDocument: { uri, version },
            contentChanges: [{ text }],
        });
        fs.writeFileSync(file, text);
        await this.connection.sendNotification('textDocument/didSave', { textDocument: { uri } });
    }

    executeCommand<R>(command: string): Promise<R> {
        return this.within(
            this.connection.sendRequest<R>('workspace/executeCommand', { command, arguments: [] }),
            `No answer to ${command}`,
        );
    }

    async shutdown(): Promise<number | null> {
        await this.within(this.connection.sendRequest('shutdown'), 'No answer to shutdown');
        await this.connection.sendNotification('exit');
        return within(this.exited, TIMEOUT_MS, 'The server did not exit after `exit`', undefined, this.log);
    }

    kill(): void {
        this.connection.dispose();
        if (this.process.exitCode === null && this.process.signalCode === null) {
            this.process.kill('SIGKILL');
        }
    }
}

/** `<python> -m hotbed dev <target> --port 0 --no-watch` in `root`: only the editor's saves reach it. */
class DevServer {
    private output = '';
    private readonly process;
    private readonly exited: Promise<number | null>;

    private constructor(private readonly root: string, target: string) {
        this.process = spawn(
            PYTHON,
            ['-m', 'hotbed', 'dev', target, '--port', '0', '--no-watch', '--log-level', 'warning'],
            { cwd: root, env: pythonEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] },
        );
        const collect = (chunk: Buffer) => {
            this.output += chunk.toString();
        };
        this.process.stdout.on('data', collect);
        this.process.stderr.on('data', collect);
        this.exited = new Promise((resolve) => this.process.on('exit', (code) => resolve(code)));
    }

    /** Starts it and waits, as tests/helpers/devserver.py does, for its URL and its first worker. */
    static async start(root: string, target: string): Promise<DevServer> {
        const server = new DevServer(root, target);
        await server.waitForOutput(/on (http:\/\/127\.0\.0\.1:\d+)/, 'The dev server printed no URL');
        await server.waitForOutput(/worker (\d+) serving/, 'No worker of the dev server served');
        return server;
    }

    private log = (): string => `--- hotbed dev output (in ${this.root}) ---\n${this.output || '(empty)'}`;

    private waitForOutput(pattern: RegExp, what: string): Promise<void> {
        const found = new Promise<void>((resolve) => {
            const check = () => {
                if (pattern.test(this.output)) {
                    this.process.stdout.off('data', check);
                    resolve();
                }
            };
            this.process.stdout.on('data', check);
            check();
        });
        return within(found, TIMEOUT_MS, what, this.exited, this.log);
    }

    /** SIGINT, as Ctrl-C: the supervisor stops its workers; SIGKILL if it does not exit in time. */
    async stop(): Promise<void> {
        if (this.process.exitCode !== null || this.process.signalCode !== null) {
            return;
        }
        this.process.kill('SIGINT');
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), TIMEOUT_MS).unref());
        if ((await Promise.race([this.exited, timeout])) === 'timeout') {
            this.process.kill('SIGKILL');
            await this.exited;
        }
    }
}

function copyToTemp(source: string, prefix: string, below = ''): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.cpSync(source, path.join(root, below), {
        recursive: true,
        filter: (file) => !file.includes('__pycache__') && path.basename(file) !== '.hotbed',
    });
    return root;
}

function expectStatusShape(status: StatusParams): void {
    expect(Object.keys(status).sort()).toEqual(['message', 'pid', 'report', 'root', 'state', 'url']);
    expect(status.root).toBeTypeOf('string'); // the project the status concerns
    expect(STATES).toContain(status.state);
    expect(status.message).toBeTypeOf('string');
    expect(status.report === null || typeof status.report === 'object').toBe(true);
}

function isInteger(value: unknown): boolean {
    return typeof value === 'number' && Number.isInteger(value);
}

describe(`${SERVER_MODULE} over stdio, no dev server running`, () => {
    let project: string;
    let server: LanguageServer;

    beforeAll(() => {
        checkPython();
        project = copyToTemp(FIXTURE, 'hotbed-protocol-');
        server = new LanguageServer(project);
    });

    afterAll(() => {
        server?.kill();
        if (project) {
            fs.rmSync(project, { recursive: true, force: true });
        }
    });

    it('initializes', async () => {
        const result = await server.initialize();
        expect(result.capabilities).toBeTypeOf('object');
    }, TEST_TIMEOUT_MS);

    it('sends hotbed/status "disconnected" with the documented shape', async () => {
        const status = await server.waitForStatus((s) => s.state === 'disconnected', '"disconnected"');
        expect(status.report).toBeNull();
        expect(status.root).toBe(fs.realpathSync(project));
        expect(status.message).toContain(status.root); // names the folder it waits for
        for (const received of server.statuses) {
            expectStatusShape(received);
        }
    }, TEST_TIMEOUT_MS);

    it('shuts down and exits with code 0', async () => {
        expect(await server.shutdown()).toBe(0);
    }, TEST_TIMEOUT_MS);
});

describe(`${SERVER_MODULE} over stdio, beside a real hotbed dev (examples/hello)`, () => {
    let project: string;
    let dev: DevServer | undefined;
    let server: LanguageServer | undefined;
    let routes: string;
    let good: string;

    beforeAll(async () => {
        checkPython();
        // As tests/lsp/conftest.py lays it out: the package in a project folder, `hotbed dev hello/main.py`.
        project = copyToTemp(HELLO, 'hotbed-protocol-dev-', 'hello');
        routes = path.join(project, 'hello', 'routes.py');
        good = fs.readFileSync(routes, 'utf8');
        dev = await DevServer.start(project, 'hello/main.py');
        server = new LanguageServer(project);
        await server.initialize();
        await server.waitForStatus((s) => s.state === 'ok', '"ok" from the dev server once connected');
    }, TEST_TIMEOUT_MS);

    afterAll(async () => {
        server?.kill();
        await dev?.stop();
        if (project) {
            fs.rmSync(project, { recursive: true, force: true });
        }
    }, TEST_TIMEOUT_MS);

    it('a saved edit comes back as "ok" with a report the status bar reads', async () => {
        const since = server!.statuses.length;
        await server!.save(routes, good.replace('f"{GREETING_PREFIX}, {name}!"', 'f"{GREETING_PREFIX}, dear {name}!"'));
        const status = await server!.waitForStatus(
            (s) =>
                s.state === 'ok' &&
                s.report !== null &&
                [...(s.report.reexecuted as unknown[]), ...((s.report.patched as unknown[]) ?? [])].length > 0,
            '"ok" with a report of the reload',
            since,
        );
        expectStatusShape(status);
        const report = status.report!;
        expect(report.ok).toBe(true);
        expect(report.root).toBe(project);
        expect(report.durationMs).toBeTypeOf('number');
        expect(Number.isFinite(report.durationMs) && (report.durationMs as number) >= 0).toBe(true);
        // A body-only edit: patched in place, nothing re-executed.
        expect(report.patched).toEqual([routes]);
        expect(report.reexecuted).toEqual([]);
        expect(report.changed).toEqual([routes]);
        for (const list of ['changed', 'reexecuted', 'generated', 'pruned', 'restart', 'errors', 'apis']) {
            expect(Array.isArray(report[list]), list).toBe(true);
        }
        expect(isInteger(report.pid)).toBe(true);

        // The status bar's own code on the real notification.
        const parsed = parseStatus(status)!;
        expect(parsed.report).toEqual(report as unknown as Report);
        expect(describeStatus(parsed).text).toMatch(/^\$\(check\) hotbed \d+(\.\d+)? (ms|s) · patched 1 function$/);
        expect(renderTooltip(parsed, parsed.report)).toContain('- changed: `hello/routes.py`');
    }, TEST_TIMEOUT_MS);

    it('a syntax error comes back as "error" with errors at path, line and column', async () => {
        const lines = good.split('\n');
        const brokenLine = lines.findIndex((line) => line.includes('def greet')) + 1;
        lines[brokenLine - 1] = 'def greet(name: str  # never closed';
        const since = server!.statuses.length;
        await server!.save(routes, lines.join('\n'));
        const status = await server!.waitForStatus((s) => s.state === 'error', '"error" for the syntax error', since);
        expectStatusShape(status);
        const errors = status.report!.errors as ReportError[];
        expect(errors.length).toBeGreaterThan(0);
        const [error] = errors;
        expect(error).toEqual(
            expect.objectContaining({
                kind: 'syntax',
                path: routes,
                line: expect.any(Number),
                column: expect.any(Number),
                message: expect.any(String),
            }),
        );
        expect(isInteger(error!.line) && error!.line >= 1).toBe(true);
        expect(isInteger(error!.column) && error!.column >= 0).toBe(true);
        expect(Math.abs(error!.line - brokenLine)).toBeLessThanOrEqual(1);

        // A click on the item opens the file at that line.
        const view = describeStatus(parseStatus(status)!);
        expect(view.text).toBe(`$(error) hotbed: ${errors.length === 1 ? '1 error' : `${errors.length} errors`}`);
        expect(view.command.command).toBe('vscode.open');
        const [uri, options] = view.command.arguments as [Uri, { selection: { start: { line: number } } }];
        expect(uri.fsPath).toBe(routes);
        expect(options.selection.start.line).toBe(error!.line - 1);

        const fixed = server!.statuses.length;
        await server!.save(routes, good);
        await server!.waitForStatus((s) => s.state === 'ok', '"ok" after the fix', fixed);
    }, TEST_TIMEOUT_MS);

    it('a declined module: restart-required, then the dev server restarts by itself (restarting, ok)', async () => {
        const settings = path.join(project, 'hello', 'settings.py');
        const since = server!.statuses.length;
        await server!.save(settings, fs.readFileSync(settings, 'utf8').replace('"Hello"', '"Howdy"'));
        const required = await server!.waitForStatus((s) => s.state === 'restart-required', '"restart-required"', since);
        const at = server!.statuses.indexOf(required);
        await server!.waitForStatus((s) => s.state === 'restarting', '"restarting" after it', at);
        const restarting = server!.statuses.findIndex((s, i) => i > at && s.state === 'restarting');
        const ok = await server!.waitForStatus((s) => s.state === 'ok', '"ok" after the restart', restarting);
        expectStatusShape(ok);
        expect(ok.message).toContain('restarted');
    }, TEST_TIMEOUT_MS);

    it('hotbed.dump gives paths relative to the project and nodePath absolute', async () => {
        const dump = await server!.executeCommand<DumpEntry[]>('hotbed.dump');
        const entry = dump.find((node) => node.nodePath === routes);
        expect(entry).toEqual(expect.objectContaining({ path: 'hello/routes.py', nodePath: routes }));
        for (const node of dump) {
            expect(path.isAbsolute(node.path), node.path).toBe(false);
            expect(path.isAbsolute(node.nodePath), node.nodePath).toBe(true);
        }
        expect(entry!.dependencies).toEqual(expect.arrayContaining(['hello/models.py']));
        expect(renderDependencyTree(dump, project)).toMatch(/hello\/main\.py \[v\d+[^\]]*\]\n(?: +GET [^\n]*\n)*[│├└]── /);
    }, TEST_TIMEOUT_MS);

    it('shuts down and exits with code 0', async () => {
        expect(await server!.shutdown()).toBe(0);
    }, TEST_TIMEOUT_MS);
});
