/**
 * The status bar item: a state machine fed by `hotbed/status`. Each state has its icon, text,
 * click action and colour; the tooltip shows the last report.
 */
import type { Command as VsCommand, Disposable, StatusBarItem } from 'vscode';
import { BuiltinCommand, Command, EXTENSION_NAME } from './constants';
import { escapeMarkdown, formatDuration, plural, reportMarkdown } from './report';
import type { HotbedState, Report, Status } from './types';
import { createStatusBarItem, fileUri, lineRange, markdown, themeColor } from './vscodeapi';

/** What the item shows for one status; pure, so each state is tested on its own. */
export interface StatusView {
    text: string;
    command: VsCommand;
    /** A theme colour id for the background (only error and warning colours are allowed there). */
    background?: 'statusBarItem.errorBackground' | 'statusBarItem.warningBackground';
    /** What clicking does, said at the bottom of the tooltip. */
    action: string;
}

const STATES: readonly HotbedState[] = [
    'idle',
    'syncing',
    'ok',
    'error',
    'restart-required',
    'restarting',
    'disconnected',
    'stopped',
];

/** The params of a `hotbed/status` notification as a Status, or `undefined` when they do not fit the protocol. */
export function parseStatus(params: unknown): Status | undefined {
    if (typeof params !== 'object' || params === null) {
        return undefined;
    }
    const { state, message, report } = params as Record<string, unknown>;
    if (!STATES.includes(state as HotbedState) || typeof message !== 'string') {
        return undefined;
    }
    if (report !== null && (typeof report !== 'object' || report === undefined)) {
        return undefined;
    }
    return { state: state as HotbedState, message, report: report === null ? null : withDefaults(report as Partial<Report>) };
}

/** Fills the lists a report may leave out, so renderers need no checks. */
function withDefaults(report: Partial<Report>): Report {
    return {
        ok: report.ok ?? false,
        root: report.root ?? '',
        changed: report.changed ?? [],
        reexecuted: report.reexecuted ?? [],
        patched: report.patched ?? [],
        patchedFunctions: report.patchedFunctions ?? 0,
        generated: report.generated ?? [],
        pruned: report.pruned ?? [],
        restart: report.restart ?? [],
        errors: report.errors ?? [],
        apis: report.apis ?? [],
        durationMs: report.durationMs ?? 0,
        pid: report.pid ?? null,
    };
}

export const INITIAL_STATUS: Status = { state: 'stopped', message: 'The hotbed language server is not running.', report: null };

const STATE_LABELS: Record<HotbedState, string> = {
    idle: 'idle',
    syncing: 'reloading',
    ok: 'reloaded',
    error: 'reload failed',
    'restart-required': 'restart required',
    restarting: 'restarting',
    disconnected: 'dev server not running',
    stopped: 'language server stopped',
};

function command(id: string, title: string, args?: unknown[]): VsCommand {
    return args ? { command: id, title, arguments: args } : { command: id, title };
}

const SHOW_OUTPUT = command(Command.showOutput, 'Show hotbed output');

/** The click target of the error state: the first error's file and line, else the Problems view. */
function openProblem(report: Report | null): VsCommand {
    const first = report?.errors.find((error) => error.path);
    if (!first) {
        return command(BuiltinCommand.showProblems, 'Show problems');
    }
    return command(BuiltinCommand.open, 'Open the problem', [
        fileUri(first.path),
        { selection: lineRange(first.line, first.column) },
    ]);
}

function reloadSummary(report: Report | null): string {
    if (!report) {
        return '';
    }
    if (report.patched && report.patched.length > 0) {
        return ` ${formatDuration(report.durationMs)} · patched ${plural(report.patchedFunctions ?? 0, 'function')}`;
    }
    return ` ${formatDuration(report.durationMs)} · ${plural(report.reexecuted.length, 'module')}`;
}

/**
 * What the item shows for `status`. `lastReload` is the report of the last `ok` with one: an `ok`
 * without a report (a restart) keeps showing that reload's summary.
 */
export function describeStatus(status: Status, lastReload: Report | null = null): StatusView {
    const { report } = status;
    switch (status.state) {
        case 'idle':
            return { text: `$(flame) ${EXTENSION_NAME}`, command: SHOW_OUTPUT, action: 'show the output' };
        case 'syncing':
            return { text: `$(sync~spin) ${EXTENSION_NAME}`, command: SHOW_OUTPUT, action: 'show the output' };
        case 'ok':
            return {
                text: `$(check) ${EXTENSION_NAME}${reloadSummary(report ?? lastReload)}`,
                command: SHOW_OUTPUT,
                action: 'show the output',
            };
        case 'error': {
            const count = report?.errors.length ?? 0;
            return {
                text: `$(error) ${EXTENSION_NAME}: ${count > 0 ? plural(count, 'error') : 'error'}`,
                command: openProblem(report),
                background: 'statusBarItem.errorBackground',
                action: 'open the problem',
            };
        }
        case 'restart-required':
            return {
                text: `$(debug-restart) ${EXTENSION_NAME}: restart required`,
                command: command(Command.restart, 'Restart the dev server'),
                background: 'statusBarItem.warningBackground',
                action: 'restart the dev server',
            };
        case 'restarting':
            return { text: `$(loading~spin) ${EXTENSION_NAME}: restarting`, command: SHOW_OUTPUT, action: 'show the output' };
        case 'disconnected':
            return {
                text: `$(debug-disconnect) ${EXTENSION_NAME}: not running`,
                command: command(Command.startDevServer, 'Start the dev server'),
                action: 'start the dev server in a terminal, or reconnect to it',
            };
        case 'stopped':
            return {
                text: `$(circle-slash) ${EXTENSION_NAME}: stopped`,
                command: command(Command.restartServer, 'Restart the language server'),
                background: 'statusBarItem.warningBackground',
                action: 'restart the language server',
            };
    }
}

/** The tooltip as markdown: state, message, the last report, and what a click does. */
export function renderTooltip(status: Status, lastReport: Report | null, view = describeStatus(status)): string {
    const lines = [`**${EXTENSION_NAME}** · ${STATE_LABELS[status.state]}`, ''];
    if (status.message) {
        lines.push(escapeMarkdown(status.message), '');
    }
    if (lastReport) {
        lines.push('Last report:', '', ...reportMarkdown(lastReport), '');
    }
    lines.push(`*Click to ${view.action}.*`);
    return lines.join('\n');
}

/** Owns the StatusBarItem; `update` moves it to the state of a `hotbed/status` notification. */
export class StatusBar implements Disposable {
    private readonly item: StatusBarItem;
    private current: Status = INITIAL_STATUS;
    /** Kept across states without a report (syncing, restarting) so the tooltip still shows it. */
    private lastReport: Report | null = null;
    /** The report of the last `ok` that had one: the summary an `ok` without a report shows. */
    private lastReload: Report | null = null;

    constructor(item: StatusBarItem = createStatusBarItem(`${EXTENSION_NAME}.status`, 100)) {
        this.item = item;
        this.item.name = EXTENSION_NAME;
        this.render();
    }

    get status(): Status {
        return this.current;
    }

    update(status: Status): void {
        this.current = status;
        if (status.report) {
            this.lastReport = status.report;
            if (status.state === 'ok') {
                this.lastReload = status.report;
            }
        }
        this.render();
    }

    show(): void {
        this.item.show();
    }

    hide(): void {
        this.item.hide();
    }

    dispose(): void {
        this.item.dispose();
    }

    private render(): void {
        const view = describeStatus(this.current, this.lastReload);
        this.item.text = view.text;
        this.item.command = view.command;
        this.item.backgroundColor = view.background ? themeColor(view.background) : undefined;
        this.item.tooltip = markdown(renderTooltip(this.current, this.lastReport, view));
        this.item.accessibilityInformation = {
            label: `${EXTENSION_NAME}: ${STATE_LABELS[this.current.state]}. ${this.current.message}`,
        };
    }
}
