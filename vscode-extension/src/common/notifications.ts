/**
 * Pop-ups on changes of state, per `hotbed.showNotifications`, and `hotbed.autoRestart`: only for
 * what a person must act on.
 */
import type { Disposable } from 'vscode';
import { Command, RESTART_GRACE_MS } from './constants';
import { traceError, traceInfo } from './log/logging';
import type { HotbedSettings } from './settings';
import { describeStatus } from './status';
import type { Status } from './types';
import { executeCommand, showInformationMessage, showUntil, showWarningMessage } from './vscodeapi';

export type NotificationSettings = Pick<HotbedSettings, 'autoRestart' | 'showNotifications'>;

const RESTART = 'Restart';

/** The restart command's argument: the project whose dev server it restarts (none: the active file's). */
function projectArgument(status: Status): string[] {
    return status.root ? [status.root] : [];
}

async function run(command: string, ...args: unknown[]): Promise<void> {
    try {
        await executeCommand(command, ...args);
    } catch (error) {
        traceError(`${command} failed:`, error);
    }
}

/**
 * Reacts to changes of state, per project (a status's `root`). `restart-required` is normally
 * followed at once by `restarting` and `ok`: `hotbed dev` replaces its worker by itself. So the
 * notifier waits RESTART_GRACE_MS for any other state of that project; only when none comes does
 * it restart that dev server (`hotbed.autoRestart`) or offer a restart.
 */
export class StatusNotifier implements Disposable {
    private readonly grace = new Map<string, ReturnType<typeof setTimeout>>();
    private readonly clearError = new Map<string, () => void>();

    /** `settings` gives the project's current settings, or `undefined` outside a project (nothing is shown). */
    constructor(private readonly settings: () => NotificationSettings | undefined) {}

    /** The move from `previous` to `status` (the same project's); staying in a state notifies nothing. */
    async notify(previous: Status, status: Status): Promise<void> {
        if (previous.state === status.state) {
            return;
        }
        const project = status.root ?? '';
        // Any other state means the error shown is no longer the current one; the extension's own
        // `stopped` ends every project's.
        const every = status.state === 'stopped';
        for (const root of every ? [...this.grace.keys()] : [project]) {
            this.endGrace(root);
        }
        for (const root of every ? [...this.clearError.keys()] : [project]) {
            this.endError(root);
        }
        const settings = this.settings();
        if (!settings) {
            return;
        }
        const level = settings.showNotifications;
        switch (status.state) {
            case 'restart-required':
                this.grace.set(
                    project,
                    setTimeout(() => {
                        this.grace.delete(project);
                        void this.restartDidNotHappen(status);
                    }, RESTART_GRACE_MS),
                );
                return;
            case 'error':
                if (level !== 'off') {
                    // Shown until the error is fixed (the status leaves `error`); the status-bar item opens the problem.
                    const cleared = new Promise<void>((resolve) => {
                        this.clearError.set(project, resolve);
                    });
                    const where = describeStatus(status).command.command === 'vscode.open' ? ' (click hotbed in the status bar to open it)' : '';
                    void showUntil(`hotbed: ${status.message}${where}`, cleared);
                }
                return;
            case 'ok':
                if (level === 'always') {
                    await showInformationMessage(`hotbed: ${status.message}`);
                }
                return;
            default:
                return;
        }
    }

    dispose(): void {
        for (const root of [...this.grace.keys()]) {
            this.endGrace(root);
        }
        for (const root of [...this.clearError.keys()]) {
            this.endError(root);
        }
    }

    private endError(root: string): void {
        this.clearError.get(root)?.();
        this.clearError.delete(root);
    }

    /** The dev server stayed in `restart-required`: restart it, or ask, per the settings of now. */
    private async restartDidNotHappen(status: Status): Promise<void> {
        const settings = this.settings();
        if (!settings) {
            return;
        }
        if (settings.autoRestart) {
            traceInfo('Restart required and the dev server did not restart; restarting it (hotbed.autoRestart).');
            await run(Command.restart, ...projectArgument(status));
        } else if (settings.showNotifications !== 'off') {
            if ((await showWarningMessage(`hotbed: ${status.message}`, RESTART)) === RESTART) {
                await run(Command.restart, ...projectArgument(status));
            }
        }
    }

    private endGrace(root: string): void {
        clearTimeout(this.grace.get(root));
        this.grace.delete(root);
    }
}
