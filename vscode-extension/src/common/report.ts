/** Plain-text and markdown renderings of a report, shared by the status bar and notifications. */
import * as path from 'node:path';
import type { Report, ReportError } from './types';

/** `path` relative to `root` when it lies inside it, for display. */
export function displayPath(file: string, root: string | undefined): string {
    if (!root) {
        return file;
    }
    const relative = path.relative(root, file);
    return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

export function formatDuration(ms: number): string {
    return ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function plural(count: number, noun: string): string {
    return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** `file:line:column` of an error, leaving out what is unknown (0). */
export function errorLocation(error: ReportError, root: string | undefined): string {
    let location = displayPath(error.path, root);
    if (error.line > 0) {
        location += `:${error.line}`;
        if (error.column > 0) {
            location += `:${error.column}`;
        }
    }
    return location;
}

/** Escapes markdown so that messages from the server render as written. */
export function escapeMarkdown(text: string): string {
    return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

function codeList(items: readonly string[], limit = 5): string {
    const shown = items.slice(0, limit).map((item) => `\`${item}\``);
    if (items.length > limit) {
        shown.push(`and ${items.length - limit} more`);
    }
    return shown.join(', ');
}

/** The report as markdown lines: what changed, what ran, what failed, what needs a restart. */
export function reportMarkdown(report: Report): string[] {
    const root = report.root;
    const lines: string[] = [];
    const paths = (items: readonly string[]) => codeList(items.map((item) => displayPath(item, root)));
    if (report.changed.length > 0) {
        lines.push(`- changed: ${paths(report.changed)}`);
    }
    if (report.reexecuted.length > 0) {
        lines.push(`- re-executed: ${plural(report.reexecuted.length, 'module')}`);
    }
    if (report.patched && report.patched.length > 0) {
        lines.push(`- patched in place: ${plural(report.patchedFunctions ?? 0, 'function')} in ${paths(report.patched)}`);
    }
    if (report.generated.length > 0) {
        lines.push(`- generated: ${paths(report.generated)}`);
    }
    if (report.pruned.length > 0) {
        lines.push(`- pruned: ${paths(report.pruned)}`);
    }
    if (report.apis.length > 0) {
        lines.push(`- APIs: ${codeList(report.apis)}`);
    }
    for (const error of report.errors) {
        lines.push(`- $(error) \`${errorLocation(error, root)}\` ${escapeMarkdown(error.kind)}: ${escapeMarkdown(error.message)}`);
    }
    for (const reason of report.restart) {
        lines.push(
            `- $(debug-restart) \`${displayPath(reason.path, root)}\` ${escapeMarkdown(reason.kind)}: ${escapeMarkdown(reason.message)}`,
        );
    }
    const worker = report.pid ? ` · worker ${report.pid}` : '';
    lines.push(`- took ${formatDuration(report.durationMs)}${worker}`);
    return lines;
}
