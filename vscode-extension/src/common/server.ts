/**
 * Starts and restarts the language server: stop the old client, dispose its listeners, start a
 * new one. A failure is logged and yields `undefined`; restarts are coalesced.
 */
import type { Disposable, LogOutputChannel } from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ClientOptions } from './client';
import { Command, ENTITY_GLOB, LS_SERVER_RESTART_DELAY, STATUS_NOTIFICATION } from './constants';
import { traceError, traceInfo, traceLog, traceWarn } from './log/logging';
import type { HotbedProject } from './project';
import { interpreterFor } from './python';
import { getWorkspaceSettings } from './settings';
import { parseStatus } from './status';
import type { Status } from './types';
import { createFileSystemWatcher } from './vscodeapi';

export type ClientFactory = (options: ClientOptions) => LanguageClient;

export interface ServerOptions {
    project: HotbedProject;
    outputChannel: LogOutputChannel;
    createClient: ClientFactory;
    onStatus: (status: Status) => void;
    restartDelay?: number;
}

/** `State.Stopped` of vscode-languageclient (a protocol constant; importing the enum would load the client). */
const CLIENT_STOPPED = 1;

const WATCHED_FILES = ['**/*.py', ENTITY_GLOB, '**/{hotbed.toml,pyproject.toml,.env}'];

function stopped(message: string): Status {
    return { state: 'stopped', message, report: null };
}

export class HotbedServer implements Disposable {
    private client: LanguageClient | undefined;
    private disposables: Disposable[] = [];
    private isRestarting = false;
    private restartTimer: ReturnType<typeof setTimeout> | undefined;

    constructor(private readonly options: ServerOptions) {}

    /** The running client, if any. */
    get connection(): LanguageClient | undefined {
        return this.client;
    }

    /** Restarts after a short delay; calls within the delay make one restart. */
    requestRestart(): void {
        if (this.restartTimer) {
            clearTimeout(this.restartTimer);
        }
        this.restartTimer = setTimeout(() => {
            this.restartTimer = undefined;
            void this.restart();
        }, this.options.restartDelay ?? LS_SERVER_RESTART_DELAY);
    }

    /** Stops the running client and starts a new one; while a restart runs, another is scheduled instead. */
    async restart(): Promise<LanguageClient | undefined> {
        if (this.isRestarting) {
            this.requestRestart();
            return undefined;
        }
        this.isRestarting = true;
        try {
            await this.stop();
            return await this.start();
        } finally {
            this.isRestarting = false;
        }
    }

    async stop(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        this.disposeListeners();
        if (!client) {
            return;
        }
        traceInfo('Stopping the hotbed language server');
        try {
            await client.stop();
        } catch (error) {
            traceError('Stopping the hotbed language server failed:', error);
        }
    }

    dispose(): void {
        if (this.restartTimer) {
            clearTimeout(this.restartTimer);
            this.restartTimer = undefined;
        }
        void this.stop();
    }

    private async start(): Promise<LanguageClient | undefined> {
        const { project, outputChannel, createClient, onStatus } = this.options;
        const settings = getWorkspaceSettings(project.folder);
        const interpreter = await interpreterFor(project.folder);
        const watchers = WATCHED_FILES.map((glob) => createFileSystemWatcher(glob));
        this.disposables.push(...watchers);
        traceLog(`Starting the hotbed language server: ${interpreter.join(' ')} (in ${project.root.fsPath})`);
        let client: LanguageClient;
        try {
            client = createClient({
                interpreter,
                serverArgs: settings.serverArgs,
                cwd: project.root.fsPath,
                outputChannel,
                watchers,
                ownedCommands: [Command.restart, Command.sync],
            });
            this.disposables.push(
                client.onNotification(STATUS_NOTIFICATION, (params: unknown) => {
                    const status = parseStatus(params);
                    if (status) {
                        onStatus(status);
                    } else {
                        traceWarn(`Ignoring a ${STATUS_NOTIFICATION} notification that does not fit the protocol:`, params);
                    }
                }),
                client.onDidChangeState((event) => {
                    if (event.newState === CLIENT_STOPPED && this.client === client) {
                        onStatus(stopped('The hotbed language server stopped.'));
                    }
                }),
            );
            this.client = client;
            await client.start();
            return client;
        } catch (error) {
            traceError('The hotbed language server failed to start:', error);
            this.client = undefined;
            this.disposeListeners();
            onStatus(stopped(`The hotbed language server failed to start with ${interpreter.join(' ')}; see the output.`));
            return undefined;
        }
    }

    private disposeListeners(): void {
        for (const disposable of this.disposables.splice(0)) {
            disposable.dispose();
        }
    }
}
