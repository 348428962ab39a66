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
    const { state, message, report, root } = params as Record<string, unknown>;
    if (!STATES.includes(state as HotbedState) || typeof message !== 'string') {
        return undefined;
    }
    if (report !== null && (typeof report !== 'object' || report === undefined)) {
        return undefined;
    }
    const parsed: Status = {
        state: state as HotbedState,
        message,
        report: report === null ? null : withDefaults(report as Partial<Report>),
    };
    return typeof root === 'string' && root !== '' ? { ...parsed, root } : parsed;
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
                command: command(Command.restart, 'Restart the dev server', status.root ? [status.root] : undefined),
                background: 'statusBarItem.warningBackground',
                action: 'restart the dev server',
            };
        case 'restarting':
            return { text: `$(loading~spin) ${EXTENSION_NAME}: restarting`, command: SHOW_OUTPUT, action: 'show the output' };
        case 'disconnected':
            return {
                text: `$(debug-disconnect) ${EXTENSION_NAME}: not running`,
                command: command(Command.startDevServer, 'Start the dev server', status.root ? [status.root] : undefined),
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
    if (status.root) {
        lines.push(`Project: \`${status.root}\``, '');
    }
    if (status.message) {
        lines.push(escapeMarkdown(status.message), '');
    }
    if (lastReport) {
        lines.push('Last report:', '', ...reportMarkdown(lastReport), '');
    }
    lines.push(`*Click to ${view.action}.*`);
    return lines.join('\n');
}

/** What the item remembers of one project. */
interface ProjectView {
    current: Status;
    /** Kept across states without a report (syncing, restarting) so the tooltip still shows it. */
    lastReport: Report | null;
    /** The report of the last `ok` that had one: the summary an `ok` without a report shows. */
    lastReload: Report | null;
}

function basename(path: string): string {
    return path.replace(/\/+$/, '').split('/').pop() || path;
}

/** The project of `path`: the deepest of `roots` that holds it. */
export function projectOf(path: string, roots: Iterable<string>): string | undefined {
    let found: string | undefined;
    for (const root of roots) {
        const inside = path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
        if (inside && (found === undefined || root.length > found.length)) {
            found = root;
        }
    }
    return found;
}

/**
 * Owns the StatusBarItem; `update` moves a project to the state of a `hotbed/status` notification.
 * One language server serves every project of the window, each status naming its `root`: the item
 * shows the project of the active editor's file, else the first project the server reported (the
 * workspace's).
 */
export class StatusBar implements Disposable {
    private readonly item: StatusBarItem;
    private readonly projects = new Map<string, ProjectView>();
    /** Before any project reported, and for the extension's own `stopped`. */
    private fallback: ProjectView = { current: INITIAL_STATUS, lastReport: null, lastReload: null };
    private activeFile: string | undefined;

    constructor(item: StatusBarItem = createStatusBarItem(`${EXTENSION_NAME}.status`, 100)) {
        this.item = item;
        this.item.name = EXTENSION_NAME;
        this.render();
    }

    /** The status the item shows. */
    get status(): Status {
        return this.shown().current;
    }

    /** The last status of the project at `root` (`undefined`: a server that names none). */
    statusOf(root: string | undefined): Status {
        return this.projects.get(root ?? '')?.current ?? this.fallback.current;
    }

    /** The project the item shows: the active file's, else the first reported. */
    get shownRoot(): string | undefined {
        const roots = [...this.projects.keys()];
        return (this.activeFile && projectOf(this.activeFile, roots.filter(Boolean))) || roots[0];
    }

    update(status: Status): void {
        if (status.state === 'stopped') {
            // The extension's own state (the language server stopped): every project is in it.
            for (const view of [this.fallback, ...this.projects.values()]) {
                view.current = status;
            }
        } else {
            const root = status.root ?? '';
            const view = this.projects.get(root) ?? { current: status, lastReport: null, lastReload: null };
            this.projects.set(root, view);
            view.current = status;
            if (status.report) {
                view.lastReport = status.report;
                if (status.state === 'ok') {
                    view.lastReload = status.report;
                }
            }
        }
        this.render();
    }

    /** The active editor's file changed (`undefined`: none is active); the item follows its project. */
    showFile(path: string | undefined): void {
        if (path === undefined) {
            return; // the output panel or a terminal took focus: keep showing the last file's project
        }
        this.activeFile = path;
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

    private shown(): ProjectView {
        const root = this.shownRoot;
        return (root === undefined ? undefined : this.projects.get(root)) ?? this.fallback;
    }

    private render(): void {
        const { current, lastReport, lastReload } = this.shown();
        const view = describeStatus(current, lastReload);
        // With several projects in the window, the text says whose status it is: `hotbed (b)`.
        const project = this.projects.size > 1 && current.root ? ` (${basename(current.root)})` : '';
        this.item.text = view.text.replace(EXTENSION_NAME, `${EXTENSION_NAME}${project}`);
        this.item.command = view.command;
        this.item.backgroundColor = view.background ? themeColor(view.background) : undefined;
        this.item.tooltip = markdown(renderTooltip(current, lastReport, view));
        this.item.accessibilityInformation = {
            label: `${EXTENSION_NAME}: ${STATE_LABELS[current.state]}. ${current.message}`,
        };
    }
}
