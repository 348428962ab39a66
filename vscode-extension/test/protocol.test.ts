/**
 * Drives the real language server (`<python> -m hotbed_lsp`) over stdio with vscode-jsonrpc, as
 * the extension's client does, in a copy of a tiny project with no dev server running, and checks
 * the `hotbed/status` notification the status bar consumes. Python comes from HOTBED_PYTHON, else
 * the repository's .venv. Run with `npm run test:protocol`.
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

const TIMEOUT_MS = 20_000;
const PYTHON = path.resolve(process.env.HOTBED_PYTHON || path.join(__dirname, '..', '..', '.venv', 'bin', 'python'));
const FIXTURE = path.join(__dirname, 'fixtures', 'tiny-project');

interface StatusParams {
    state: string;
    message: string;
    report: unknown;
}

let project: string;
let server: ChildProcessWithoutNullStreams;
let connection: MessageConnection;
let stderr = '';
const statuses: StatusParams[] = [];
let exitedResolve: (code: number | null) => void = () => undefined;
const exited = new Promise<number | null>((resolve) => {
    exitedResolve = resolve;
});

function failure(what: string): Error {
    return new Error(`${what} (server: ${PYTHON} -m ${SERVER_MODULE} in ${project}).\nstderr:\n${stderr || '(empty)'}`);
}

/**
 * Resolves with `promise`, or rejects after `ms`, or as soon as the server exits when `untilExit`,
 * saying what did not happen, with the server's stderr.
 */
function within<T>(promise: Promise<T>, ms: number, what: string, untilExit = true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(failure(`${what} within ${ms / 1000} s`)), ms);
        if (untilExit) {
            void exited.then((code) => {
                clearTimeout(timer);
                reject(failure(`${what}: the server exited with code ${code}`));
            });
        }
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

/** Resolves with the first status for which `predicate` holds, among those received and to come. */
function waitForStatus(predicate: (status: StatusParams) => boolean): Promise<StatusParams> {
    return new Promise((resolve) => {
        const found = statuses.find(predicate);
        if (found) {
            resolve(found);
            return;
        }
        connection.onNotification(STATUS_NOTIFICATION, (params: StatusParams) => {
            statuses.push(params);
            if (predicate(params)) {
                resolve(params);
            }
        });
    });
}

beforeAll(() => {
    if (!fs.existsSync(PYTHON)) {
        throw new Error(`No Python at ${PYTHON}: run \`make\` at the repository root, or set HOTBED_PYTHON.`);
    }
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'hotbed-protocol-'));
    fs.cpSync(FIXTURE, project, { recursive: true });
    server = spawn(PYTHON, ['-m', SERVER_MODULE], { cwd: project, env: { ...process.env } });
    server.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
    });
    server.on('exit', (code) => exitedResolve(code));
    // Writes after an early exit fail; the exit itself is what the tests report.
    server.stdin.on('error', () => undefined);
    connection = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
    connection.onNotification(STATUS_NOTIFICATION, (params: StatusParams) => statuses.push(params));
    // Requests a server may send while starting: answer as VS Code does, without effects.
    connection.onRequest('workspace/configuration', (params: { items: unknown[] }) => params.items.map(() => null));
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('client/unregisterCapability', () => null);
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('workspace/workspaceFolders', () => [{ uri: pathToFileURL(project).href, name: 'tiny-project' }]);
    connection.listen();
});

afterAll(() => {
    connection?.dispose();
    if (server && server.exitCode === null) {
        server.kill();
    }
    if (project) {
        fs.rmSync(project, { recursive: true, force: true });
    }
});

describe(`${SERVER_MODULE} over stdio`, () => {
    it('initializes', async () => {
        const uri = pathToFileURL(project).href;
        const result = await within(
            connection.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
                processId: process.pid,
                clientInfo: { name: 'hotbed-protocol-test' },
                rootUri: uri,
                rootPath: project,
                workspaceFolders: [{ uri, name: 'tiny-project' }],
                initializationOptions: { projectRoot: project },
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
            TIMEOUT_MS,
            'No answer to initialize',
        );
        expect(result.capabilities).toBeTypeOf('object');
        await connection.sendNotification('initialized', {});
    }, TIMEOUT_MS + 5_000);

    it('sends hotbed/status "disconnected" with the documented shape when no dev server runs', async () => {
        const status = await within(
            waitForStatus((s) => s.state === 'disconnected'),
            TIMEOUT_MS,
            `No ${STATUS_NOTIFICATION} notification with state "disconnected" arrived`,
        );
        expect(Object.keys(status).sort()).toEqual(['message', 'report', 'state']);
        expect(status.message).toBeTypeOf('string');
        expect(status.report === null || typeof status.report === 'object').toBe(true);
        for (const received of statuses) {
            expect(Object.keys(received).sort()).toEqual(['message', 'report', 'state']);
            expect(['idle', 'syncing', 'ok', 'error', 'restart-required', 'restarting', 'disconnected']).toContain(
                received.state,
            );
        }
    }, TIMEOUT_MS + 5_000);

    it('shuts down and exits with code 0', async () => {
        await within(connection.sendRequest('shutdown'), TIMEOUT_MS, 'No answer to shutdown');
        await connection.sendNotification('exit');
        expect(await within(exited, TIMEOUT_MS, 'The server did not exit after `exit`', false)).toBe(0);
    }, TIMEOUT_MS + 5_000);
});
