import { beforeEach, describe, expect, it } from 'vitest';
import { describeStatus, parseStatus, renderTooltip, StatusBar } from '../src/common/status';
import type { HotbedState } from '../src/common/types';
import { report, ROOT, status, syntaxError } from './helpers';
import { fake, type FakeStatusBarItem, MarkdownString, Range, resetFake, ThemeColor, Uri } from './mocks/vscode';

beforeEach(resetFake);

function statusBar(): { bar: StatusBar; item: FakeStatusBarItem } {
    const bar = new StatusBar();
    return { bar, item: fake.statusBarItems[0]! };
}

describe('describeStatus', () => {
    it.each<[HotbedState, string, string, string | undefined]>([
        ['idle', '$(flame) hotbed', 'hotbed.showOutput', undefined],
        ['syncing', '$(sync~spin) hotbed', 'hotbed.showOutput', undefined],
        ['ok', '$(check) hotbed', 'hotbed.showOutput', undefined],
        ['error', '$(error) hotbed: error', 'workbench.actions.view.problems', 'statusBarItem.errorBackground'],
        ['restart-required', '$(debug-restart) hotbed: restart required', 'hotbed.restart', 'statusBarItem.warningBackground'],
        ['restarting', '$(loading~spin) hotbed: restarting', 'hotbed.showOutput', undefined],
        ['disconnected', '$(debug-disconnect) hotbed: not running', 'hotbed.startDevServer', undefined],
        ['stopped', '$(circle-slash) hotbed: stopped', 'hotbed.restartServer', 'statusBarItem.warningBackground'],
    ])('%s: text %j, click %s', (state, text, command, background) => {
        const view = describeStatus(status(state));
        expect(view.text).toBe(text);
        expect(view.command.command).toBe(command);
        expect(view.background).toBe(background);
    });

    it('ok shows the last reload duration and module count', () => {
        expect(describeStatus(status('ok', { report: report() })).text).toBe('$(check) hotbed 2.1 ms · 3 modules');
        expect(describeStatus(status('ok', { report: report({ reexecuted: ['/a.py'], durationMs: 1500 }) })).text).toBe(
            '$(check) hotbed 1.50 s · 1 module',
        );
    });

    it('ok after a patch in place says how many functions were patched', () => {
        const patched = report({ patched: [`${ROOT}/routes.py`], patchedFunctions: 2, reexecuted: [] });
        const shown = describeStatus(status('ok', { report: patched }));
        expect(shown.text).toMatch(/^\$\(check\) hotbed .* · patched 2 functions$/);
        expect(renderTooltip(status('ok', { report: patched }), patched)).toContain('- patched in place: 2 functions');
    });

    it('error counts the errors and a click opens the first one at its line and column', () => {
        const second = { ...syntaxError, path: `${ROOT}/src/y.py`, line: 9 };
        const view = describeStatus(status('error', { report: report({ ok: false, errors: [syntaxError, second] }) }));
        expect(view.text).toBe('$(error) hotbed: 2 errors');
        expect(view.command.command).toBe('vscode.open');
        const [uri, options] = view.command.arguments as [Uri, { selection: Range }];
        expect(uri.fsPath).toBe(`${ROOT}/src/x.py`);
        expect(options.selection.start).toEqual({ line: 2, character: 4 });
    });

    it('error with an unknown line opens the top of the file', () => {
        const view = describeStatus(
            status('error', { report: report({ errors: [{ ...syntaxError, line: 0, column: 0 }] }) }),
        );
        const [, options] = view.command.arguments as [Uri, { selection: Range }];
        expect(options.selection.start).toEqual({ line: 0, character: 0 });
    });
});

describe('renderTooltip', () => {
    it('shows the state, the message, the last report and the click action', () => {
        const tooltip = renderTooltip(status('ok', { message: 'reloaded 3 modules in 2.1 ms', report: report() }), report());
        expect(tooltip).toContain('**hotbed** · reloaded');
        expect(tooltip).toContain('reloaded 3 modules in 2\\.1 ms');
        expect(tooltip).toContain('- changed: `src/user/user.model.py`');
        expect(tooltip).toContain('- re-executed: 3 modules');
        expect(tooltip).toContain('- APIs: `GET /api/user/list`');
        expect(tooltip).toContain('- took 2.1 ms · worker 12345');
        expect(tooltip).toContain('*Click to show the output.*');
    });

    it('lists errors at file:line:column and restart reasons', () => {
        const failed = report({
            ok: false,
            errors: [syntaxError],
            restart: [{ kind: 'declined', path: `${ROOT}/src/config.py`, message: 'src/config.py declined hot reloading' }],
        });
        const tooltip = renderTooltip(status('error', { report: failed }), failed);
        expect(tooltip).toContain("- $(error) `src/x.py:3:5` syntax: SyntaxError: '\\(' was never closed");
        expect(tooltip).toContain('- $(debug-restart) `src/config.py` declined: src/config\\.py declined hot reloading');
        expect(tooltip).toContain('*Click to open the problem.*');
    });

    it('without a report says only the state and message', () => {
        expect(renderTooltip(status('disconnected', { message: 'no dev server' }), null)).toBe(
            '**hotbed** · dev server not running\n\nno dev server\n\n*Click to start the dev server in a terminal, or reconnect to it.*',
        );
    });
});

describe('StatusBar', () => {
    it('starts stopped and hidden, on the left', () => {
        const { bar, item } = statusBar();
        expect(bar.status.state).toBe('stopped');
        expect(item.text).toBe('$(circle-slash) hotbed: stopped');
        expect(item.visible).toBe(false);
        bar.show();
        expect(item.visible).toBe(true);
    });

    it('renders each update into the item: text, command, colour, markdown tooltip', () => {
        const { bar, item } = statusBar();
        bar.update(status('restart-required', { report: report({ ok: false }) }));
        expect(item.text).toBe('$(debug-restart) hotbed: restart required');
        expect(item.command).toEqual({ command: 'hotbed.restart', title: 'Restart the dev server' });
        expect(item.backgroundColor).toEqual(new ThemeColor('statusBarItem.warningBackground'));
        expect(item.tooltip).toBeInstanceOf(MarkdownString);
        expect((item.tooltip as MarkdownString).supportThemeIcons).toBe(true);
        bar.update(status('idle'));
        expect(item.backgroundColor).toBeUndefined();
    });

    it('walks a reload: syncing spins and keeps the previous report in the tooltip, ok summarises', () => {
        const { bar, item } = statusBar();
        bar.update(status('ok', { report: report({ durationMs: 4 }) }));
        bar.update(status('syncing'));
        expect(item.text).toBe('$(sync~spin) hotbed');
        expect((item.tooltip as MarkdownString).value).toContain('- took 4.0 ms');
        bar.update(status('ok', { report: report() }));
        expect(item.text).toBe('$(check) hotbed 2.1 ms · 3 modules');
        expect((item.tooltip as MarkdownString).value).toContain('- took 2.1 ms');
    });

    it('an ok without a report (after a restart) keeps the last reload summary', () => {
        const { bar, item } = statusBar();
        bar.update(status('ok', { report: report() }));
        bar.update(status('restart-required', { report: report({ ok: false, reexecuted: [], durationMs: 9 }) }));
        bar.update(status('restarting'));
        bar.update(status('ok', { message: 'worker 2 serving main:app (restarted)' }));
        expect(item.text).toBe('$(check) hotbed 2.1 ms · 3 modules');
        expect((item.tooltip as MarkdownString).value).toContain('- took 9.0 ms');
    });

    it('an ok without a report and no reload before it says only hotbed ✓', () => {
        const { bar, item } = statusBar();
        bar.update(status('error', { report: report({ ok: false, errors: [syntaxError] }) }));
        bar.update(status('ok', { message: 'worker 2 serving main:app' }));
        expect(item.text).toBe('$(check) hotbed');
    });

    it('shows the project of the active file; each project keeps its own reports', () => {
        const { bar, item } = statusBar();
        bar.update(status('ok', { root: '/w/a', report: report({ root: '/w/a', durationMs: 4 }) }));
        expect(item.text).toBe('$(check) hotbed 4.0 ms · 3 modules'); // one project: no name needed
        bar.update(status('error', { root: '/w/b', report: report({ ok: false, root: '/w/b', errors: [syntaxError] }) }));
        expect(item.text).toBe('$(check) hotbed (a) 4.0 ms · 3 modules'); // the first project, until a file is active
        bar.showFile('/w/b/hello/routes.py');
        expect(item.text).toBe('$(error) hotbed (b): 1 error');
        expect((item.tooltip as MarkdownString).value).toContain('Project: `/w/b`');
        bar.update(status('syncing', { root: '/w/a' })); // a's news leave b's item alone
        expect(item.text).toBe('$(error) hotbed (b): 1 error');
        bar.showFile(undefined); // focus moved to a panel: the last file's project stays
        expect(bar.shownRoot).toBe('/w/b');
        bar.showFile('/w/a/main.py');
        expect(item.text).toBe('$(sync~spin) hotbed (a)');
        expect(bar.statusOf('/w/b').state).toBe('error');
        bar.update({ state: 'stopped', message: 'The hotbed language server stopped.', report: null });
        expect(item.text).toBe('$(circle-slash) hotbed: stopped'); // every project's: the language server is gone
        expect(bar.statusOf('/w/b').state).toBe('stopped');
    });

    it('a file of no known project shows the first project (the workspace\'s)', () => {
        const { bar, item } = statusBar();
        bar.update(status('disconnected', { root: '/w/a', message: 'no hotbed dev running for /w/a' }));
        bar.update(status('ok', { root: '/w/ab' }));
        bar.showFile('/w/abc/x.py');
        expect(bar.shownRoot).toBe('/w/a');
        bar.showFile('/w/ab/x.py');
        expect(bar.shownRoot).toBe('/w/ab');
        expect(item.command).toEqual({ command: 'hotbed.showOutput', title: 'Show hotbed output' });
        bar.showFile('/w/a/x.py');
        expect(item.command).toEqual({ command: 'hotbed.startDevServer', title: 'Start the dev server', arguments: ['/w/a'] });
    });

    it('dispose disposes the item', () => {
        const { bar, item } = statusBar();
        bar.dispose();
        expect(item.disposed).toBe(true);
    });
});

describe('parseStatus', () => {
    it('accepts the documented shape and fills lists a report leaves out', () => {
        expect(parseStatus({ state: 'disconnected', message: 'no dev server', report: null })).toEqual({
            state: 'disconnected',
            message: 'no dev server',
            report: null,
        });
        const parsed = parseStatus({ state: 'ok', message: '', report: { ok: true, root: ROOT, durationMs: 1 } });
        expect(parsed?.report?.errors).toEqual([]);
        expect(parsed?.report?.reexecuted).toEqual([]);
    });

    it.each([
        undefined,
        null,
        'ok',
        { state: 'bogus', message: '', report: null },
        { state: 'ok', report: null },
        { state: 'ok', message: '', report: 'yes' },
        { state: 'ok', message: '' },
    ])('rejects %j', (params) => {
        expect(parseStatus(params)).toBeUndefined();
    });
});
