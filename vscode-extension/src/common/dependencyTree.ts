/** A readable text view of the `hotbed.dump` result, shown as a read-only virtual document. */
import type { Disposable, Event, TextDocumentContentProvider, Uri } from 'vscode';
import { DEPENDENCY_TREE_PATH, DOCUMENT_SCHEME } from './constants';
import { plural } from './report';
import type { DumpEntry } from './types';
import {
    documentUri,
    eventEmitter,
    openTextDocument,
    registerTextDocumentContentProvider,
    showTextDocument,
} from './vscodeapi';

function flags(entry: DumpEntry): string {
    const parts = [`v${entry.version}`];
    if (entry.boundary) {
        parts.push('boundary');
    }
    if (!entry.reloadable) {
        parts.push('not reloadable');
    }
    if (entry.apis.length > 0) {
        parts.push(plural(entry.apis.length, 'API'));
    }
    return `[${parts.join(', ')}]`;
}

/**
 * The modules as trees: each module nothing imports is a root, and below it what it imports.
 * A module is expanded once; later mentions say `(see above)`, so cycles end. Modules are named
 * by their project-relative `path`, which is also what `dependencies` hold.
 */
export function renderDependencyTree(entries: readonly DumpEntry[], root?: string): string {
    const byPath = new Map(entries.map((entry) => [entry.path, entry]));
    const sorted = [...entries].sort((a, b) => a.path.localeCompare(b.path));
    const lines = [`hotbed dependency tree: ${plural(entries.length, 'module')}${root ? ` in ${root}` : ''}`, ''];
    if (entries.length === 0) {
        lines.push('No modules are loaded. Is the dev server running?');
        return lines.join('\n') + '\n';
    }
    const expanded = new Set<DumpEntry>();

    const visit = (entry: DumpEntry, prefix: string, connector: string, childPrefix: string): void => {
        if (expanded.has(entry)) {
            lines.push(`${prefix}${connector}${entry.path} (see above)`);
            return;
        }
        expanded.add(entry);
        lines.push(`${prefix}${connector}${entry.path} ${flags(entry)}`);
        for (const api of entry.apis) {
            lines.push(`${prefix}${childPrefix}    ${api}`);
        }
        const children = entry.dependencies.map((dependency) => byPath.get(dependency) ?? dependency);
        children.forEach((child, index) => {
            const last = index === children.length - 1;
            const nextPrefix = prefix + childPrefix;
            if (typeof child === 'string') {
                lines.push(`${nextPrefix}${last ? '└── ' : '├── '}${child} (not tracked)`);
            } else {
                visit(child, nextPrefix, last ? '└── ' : '├── ', last ? '    ' : '│   ');
            }
        });
    };

    const roots = sorted.filter((entry) => entry.dependents.length === 0);
    for (const entry of roots) {
        visit(entry, '', '', '');
        lines.push('');
    }
    // Modules only reachable through a cycle have dependents but no root above them.
    for (const entry of sorted) {
        if (!expanded.has(entry)) {
            visit(entry, '', '', '');
            lines.push('');
        }
    }
    return lines.join('\n');
}

/** Serves the rendered tree under `hotbed:/dependency-tree.txt` and refreshes open editors. */
export class DependencyTreeDocument implements TextDocumentContentProvider, Disposable {
    private content = '';
    private readonly changed = eventEmitter<Uri>();
    private readonly registration: Disposable;
    readonly uri: Uri = documentUri(DOCUMENT_SCHEME, DEPENDENCY_TREE_PATH);
    readonly onDidChange: Event<Uri> = this.changed.event;

    constructor() {
        this.registration = registerTextDocumentContentProvider(DOCUMENT_SCHEME, this);
    }

    provideTextDocumentContent(): string {
        return this.content;
    }

    async show(entries: readonly DumpEntry[], root?: string): Promise<void> {
        this.content = renderDependencyTree(entries, root);
        this.changed.fire(this.uri);
        const document = await openTextDocument(this.uri);
        await showTextDocument(document, { preview: true });
    }

    dispose(): void {
        this.registration.dispose();
        this.changed.dispose();
    }
}
