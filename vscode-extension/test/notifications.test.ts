import { beforeEach, describe, expect, it } from 'vitest';
import { notifyStatusChange, type NotificationSettings } from '../src/common/notifications';
import { report, status, syntaxError } from './helpers';
import { commands, fake, resetFake, window } from './mocks/vscode';

const onError: NotificationSettings = { autoRestart: false, showNotifications: 'onError' };

beforeEach(() => {
    resetFake();
    for (const id of ['hotbed.restart', 'hotbed.showOutput', 'vscode.open']) {
        fake.commands.set(id, () => undefined);
    }
});

describe('notifyStatusChange', () => {
    it('says nothing while the state stays the same', async () => {
        await notifyStatusChange(status('error'), status('error'), onError);
        expect(window.showErrorMessage).not.toHaveBeenCalled();
    });

    it('restart-required with autoRestart restarts the dev server without asking', async () => {
        await notifyStatusChange(status('syncing'), status('restart-required'), { ...onError, autoRestart: true });
        expect(commands.executeCommand).toHaveBeenCalledExactlyOnceWith('hotbed.restart');
        expect(window.showWarningMessage).not.toHaveBeenCalled();
    });

    it('restart-required otherwise offers a restart', async () => {
        window.showWarningMessage.mockResolvedValueOnce('Restart');
        await notifyStatusChange(status('syncing'), status('restart-required', { message: 'config.py changed' }), onError);
        expect(window.showWarningMessage).toHaveBeenCalledWith('hotbed: config.py changed', 'Restart');
        expect(commands.executeCommand).toHaveBeenCalledExactlyOnceWith('hotbed.restart');
    });

    it('error offers to open the problem', async () => {
        window.showErrorMessage.mockResolvedValueOnce('Open Problem');
        const failed = status('error', { message: 'reload failed', report: report({ errors: [syntaxError] }) });
        await notifyStatusChange(status('syncing'), failed, onError);
        expect(window.showErrorMessage).toHaveBeenCalledWith('hotbed: reload failed', 'Open Problem', 'Show Output');
        expect(commands.executeCommand.mock.calls[0]![0]).toBe('vscode.open');
    });

    it('ok notifies only with "always"', async () => {
        await notifyStatusChange(status('syncing'), status('ok'), onError);
        expect(window.showInformationMessage).not.toHaveBeenCalled();
        await notifyStatusChange(status('syncing'), status('ok', { message: 'reloaded' }), {
            ...onError,
            showNotifications: 'always',
        });
        expect(window.showInformationMessage).toHaveBeenCalledWith('hotbed: reloaded');
    });

    it('"off" shows nothing, but autoRestart still restarts', async () => {
        const off: NotificationSettings = { autoRestart: false, showNotifications: 'off' };
        await notifyStatusChange(status('syncing'), status('error'), off);
        await notifyStatusChange(status('syncing'), status('restart-required'), off);
        expect(window.showErrorMessage).not.toHaveBeenCalled();
        expect(window.showWarningMessage).not.toHaveBeenCalled();
        await notifyStatusChange(status('syncing'), status('restart-required'), { ...off, autoRestart: true });
        expect(commands.executeCommand).toHaveBeenCalledWith('hotbed.restart');
    });
});
