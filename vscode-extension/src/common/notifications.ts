/** Pop-ups on changes of state, per `hotbed.showNotifications`, and `hotbed.autoRestart`. */
import { Command } from './constants';
import { traceError, traceInfo } from './log/logging';
import type { HotbedSettings } from './settings';
import { describeStatus } from './status';
import type { Status } from './types';
import { executeCommand, showErrorMessage, showInformationMessage, showWarningMessage } from './vscodeapi';

export type NotificationSettings = Pick<HotbedSettings, 'autoRestart' | 'showNotifications'>;

const OPEN_PROBLEM = 'Open Problem';
const SHOW_OUTPUT = 'Show Output';
const RESTART = 'Restart';

async function run(command: string, ...args: unknown[]): Promise<void> {
    try {
        await executeCommand(command, ...args);
    } catch (error) {
        traceError(`${command} failed:`, error);
    }
}

/** Reacts to a move from `previous` to `status`; staying in a state notifies nothing. */
export async function notifyStatusChange(previous: Status, status: Status, settings: NotificationSettings): Promise<void> {
    if (previous.state === status.state) {
        return;
    }
    const level = settings.showNotifications;
    switch (status.state) {
        case 'restart-required':
            if (settings.autoRestart) {
                traceInfo('Restart required; restarting the dev server (hotbed.autoRestart).');
                await run(Command.restart);
            } else if (level !== 'off') {
                if ((await showWarningMessage(`hotbed: ${status.message}`, RESTART)) === RESTART) {
                    await run(Command.restart);
                }
            }
            return;
        case 'error':
            if (level !== 'off') {
                const choice = await showErrorMessage(`hotbed: ${status.message}`, OPEN_PROBLEM, SHOW_OUTPUT);
                if (choice === OPEN_PROBLEM) {
                    const { command } = describeStatus(status);
                    await run(command.command, ...(command.arguments ?? []));
                } else if (choice === SHOW_OUTPUT) {
                    await run(Command.showOutput);
                }
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
