import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RESTART_GRACE_MS } from '../src/common/constants';
import { type NotificationSettings, StatusNotifier } from '../src/common/notifications';
import type { Status } from '../src/common/types';
import { report, status, syntaxError } from './helpers';
import { commands, fake, resetFake, window } from './mocks/vscode';

const onError: NotificationSettings = { autoRestart: false, showNotifications: 'onError' };
const autoRestart: NotificationSettings = { ...onError, autoRestart: true };

let settings: NotificationSettings;
let notifier: StatusNotifier;

/** Feeds the states one after another, as the status notifications arrive. */
async function feed(...states: Status[]): Promise<void> {
    let previous = status('idle');
    for (const next of states) {
        await notifier.notify(previous, next);
        previous = next;
    }
}

/** How long after `restart-required` the dev server's `restarting` arrives, well within the grace period. */
const DEV_SERVER_LATENCY_MS = 100;

const restartRequired = status('restart-required', { message: 'settings.py declined hot reloading' });

beforeEach(() => {
    resetFake();
    vi.useFakeTimers();
    for (const id of ['hotbed.restart', 'hotbed.showOutput', 'vscode.open']) {
        fake.commands.set(id, () => undefined);
    }
    settings = onError;
    notifier = new StatusNotifier(() => settings);
});

afterEach(() => {
    notifier.dispose();
    vi.useRealTimers();
});

describe('StatusNotifier', () => {
    it('says nothing while the state stays the same', async () => {
        await notifier.notify(status('error'), status('error'));
        expect(window.withProgress).not.toHaveBeenCalled();
    });

    describe('restart-required', () => {
        it.each([
            ['autoRestart on', autoRestart],
            ['autoRestart off', onError],
        ])('the dev server restarting by itself gets neither a request nor a warning (%s)', async (_name, given) => {
            settings = given;
            await feed(status('syncing'), restartRequired);
            await vi.advanceTimersByTimeAsync(DEV_SERVER_LATENCY_MS);
            await notifier.notify(restartRequired, status('restarting'));
            await notifier.notify(status('restarting'), status('ok'));
            await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS * 5);
            expect(commands.executeCommand).not.toHaveBeenCalled();
            expect(window.showWarningMessage).not.toHaveBeenCalled();
        });

        it('any later state ends the wait, e.g. the dev server going away', async () => {
            settings = autoRestart;
            await feed(restartRequired);
            await vi.advanceTimersByTimeAsync(DEV_SERVER_LATENCY_MS);
            await notifier.notify(restartRequired, status('disconnected'));
            await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS * 5);
            expect(commands.executeCommand).not.toHaveBeenCalled();
        });

        it('with autoRestart, restarts the dev server once when it did not restart within the grace period', async () => {
            settings = autoRestart;
            await feed(status('syncing'), restartRequired);
            await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS - 1);
            expect(commands.executeCommand).not.toHaveBeenCalled();
            await vi.advanceTimersByTimeAsync(1);
            expect(commands.executeCommand).toHaveBeenCalledExactlyOnceWith('hotbed.restart');
            await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS * 5);
            expect(commands.executeCommand).toHaveBeenCalledOnce();
            expect(window.showWarningMessage).not.toHaveBeenCalled();
        });

        it('a repeated restart-required keeps the first wait', async () => {
            settings = autoRestart;
            await feed(restartRequired);
            await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS / 2);
            await notifier.notify(restartRequired, restartRequired);
            await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS / 2);
            expect(commands.executeCommand).toHaveBeenCalledExactlyOnceWith('hotbed.restart');
        });

        it('without autoRestart, offers a restart once when the dev server did not restart', async () => {
            window.showWarningMessage.mockResolvedValueOnce('Restart');
            await feed(status('syncing'), restartRequired);
            expect(window.showWarningMessage).not.toHaveBeenCalled();
            await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS);
            expect(window.showWarningMessage).toHaveBeenCalledExactlyOnceWith(
                'hotbed: settings.py declined hot reloading',
                'Restart',
            );
            expect(commands.executeCommand).toHaveBeenCalledExactlyOnceWith('hotbed.restart');
        });

        it('a dismissed offer restarts nothing', async () => {
            await feed(restartRequired);
            await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS);
            expect(window.showWarningMessage).toHaveBeenCalledOnce();
            expect(commands.executeCommand).not.toHaveBeenCalled();
        });

        it('reads the settings when the grace period ends', async () => {
            await feed(restartRequired);
            settings = autoRestart;
            await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS);
            expect(commands.executeCommand).toHaveBeenCalledExactlyOnceWith('hotbed.restart');
        });

        it('"off" shows nothing, but autoRestart still restarts', async () => {
            settings = { autoRestart: false, showNotifications: 'off' };
            await feed(restartRequired);
            await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS);
            expect(window.showWarningMessage).not.toHaveBeenCalled();
            settings = { autoRestart: true, showNotifications: 'off' };
            await feed(restartRequired);
            await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS);
            expect(commands.executeCommand).toHaveBeenCalledExactlyOnceWith('hotbed.restart');
        });

        it('dispose ends the wait', async () => {
            settings = autoRestart;
            await feed(restartRequired);
            notifier.dispose();
            await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS);
            expect(commands.executeCommand).not.toHaveBeenCalled();
        });
    });

    it('an error shows until the status leaves error, and says where to open it', async () => {
        const failed = status('error', { message: 'reload failed', report: report({ errors: [syntaxError] }) });
        await feed(status('syncing'), failed);
        expect(window.withProgress).toHaveBeenCalledTimes(1);
        const [options] = window.withProgress.mock.calls[0]!;
        expect(options.title).toBe('hotbed: reload failed (click hotbed in the status bar to open it)');
        const shown = window.withProgress.mock.results[0]!.value as Promise<void>;
        let closed = false;
        void shown.then(() => (closed = true));
        await feed(status('syncing'));
        await Promise.resolve();
        await Promise.resolve();
        expect(closed).toBe(true);
    });

    it('an error stays while nothing changes', async () => {
        await feed(status('syncing'), status('error', { message: 'still broken' }));
        const shown = window.withProgress.mock.results[0]!.value as Promise<void>;
        let closed = false;
        void shown.then(() => (closed = true));
        await Promise.resolve();
        expect(closed).toBe(false);
        notifier.dispose();
        await Promise.resolve();
        await Promise.resolve();
        expect(closed).toBe(true);
    });

    it('an error stays while another project reloads, and goes when its own project is fixed', async () => {
        const broken = status('error', { root: '/w/a', message: 'broken' });
        await notifier.notify(status('syncing', { root: '/w/a' }), broken);
        const shown = window.withProgress.mock.results[0]!.value as Promise<void>;
        let closed = false;
        void shown.then(() => (closed = true));
        await notifier.notify(status('ok', { root: '/w/b' }), status('syncing', { root: '/w/b' }));
        await notifier.notify(status('syncing', { root: '/w/b' }), status('ok', { root: '/w/b' }));
        await Promise.resolve();
        await Promise.resolve();
        expect(closed).toBe(false);
        await notifier.notify(broken, status('ok', { root: '/w/a' }));
        await Promise.resolve();
        await Promise.resolve();
        expect(closed).toBe(true);
    });

    it('a restart the dev server does not make is asked of that project\'s dev server', async () => {
        settings = autoRestart;
        const required = status('restart-required', { root: '/w/b', message: 'settings.py declined hot reloading' });
        await notifier.notify(status('syncing', { root: '/w/b' }), required);
        await notifier.notify(status('syncing', { root: '/w/a' }), status('ok', { root: '/w/a' }));
        await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS);
        expect(commands.executeCommand).toHaveBeenCalledExactlyOnceWith('hotbed.restart', '/w/b');
    });

    it('ok notifies only with "always"', async () => {
        await feed(status('syncing'), status('ok'));
        expect(window.showInformationMessage).not.toHaveBeenCalled();
        settings = { ...onError, showNotifications: 'always' };
        await feed(status('syncing'), status('ok', { message: 'reloaded' }));
        expect(window.showInformationMessage).toHaveBeenCalledWith('hotbed: reloaded');
    });

    it('"off" shows no error', async () => {
        settings = { autoRestart: false, showNotifications: 'off' };
        await feed(status('syncing'), status('error'));
        expect(window.withProgress).not.toHaveBeenCalled();
    });

    it('outside a project shows nothing', async () => {
        notifier = new StatusNotifier(() => undefined);
        await feed(status('syncing'), status('error'), restartRequired);
        await vi.advanceTimersByTimeAsync(RESTART_GRACE_MS);
        expect(window.withProgress).not.toHaveBeenCalled();
        expect(window.showWarningMessage).not.toHaveBeenCalled();
        expect(commands.executeCommand).not.toHaveBeenCalled();
    });
});
