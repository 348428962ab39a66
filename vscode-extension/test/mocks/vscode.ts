/**
 * A fake of the `vscode` module, aliased in vitest.config.mts (and handed to vscode-languageclient
 * by test/setup.ts): just enough of the editor API for src/common/vscodeapi.ts and the real
 * LanguageClient, with its state in `fake` so tests can arrange and inspect it.
 */
import * as path from 'node:path';
import { vi } from 'vitest';

type Listener<T> = (value: T) => unknown;

/** An event that never fires. */
function noEvent(): Disposable {
    return new Disposable();
}

export class Disposable {
    constructor(private readonly callOnDispose: () => void = () => undefined) {}

    dispose(): void {
        this.callOnDispose();
    }
}

export class EventEmitter<T> {
    private readonly listeners = new Set<Listener<T>>();

    readonly event = (listener: Listener<T>): Disposable => {
        this.listeners.add(listener);
        return new Disposable(() => this.listeners.delete(listener));
    };

    fire(value: T): void {
        for (const listener of [...this.listeners]) {
            listener(value);
        }
    }

    dispose(): void {
        this.listeners.clear();
    }
}

export class MarkdownString {
    supportThemeIcons = false;

    constructor(public value = '') {}
}

export class ThemeColor {
    constructor(public readonly id: string) {}
}

export class Position {
    constructor(
        public readonly line: number,
        public readonly character: number,
    ) {}
}

export class Range {
    readonly start: Position;
    readonly end: Position;

    constructor(startLine: number, startCharacter: number, endLine: number, endCharacter: number) {
        this.start = new Position(startLine, startCharacter);
        this.end = new Position(endLine, endCharacter);
    }
}

export enum ProgressLocation {
    SourceControl = 1,
    Window = 10,
    Notification = 15,
}

export enum StatusBarAlignment {
    Left = 1,
    Right = 2,
}

export class Uri {
    private constructor(
        public readonly scheme: string,
        public readonly path: string,
    ) {}

    get fsPath(): string {
        return this.path;
    }

    static file(fsPath: string): Uri {
        return new Uri('file', path.posix.normalize(fsPath));
    }

    static from(components: { scheme: string; path: string }): Uri {
        return new Uri(components.scheme, components.path);
    }

    static joinPath(base: Uri, ...segments: string[]): Uri {
        return new Uri(base.scheme, path.posix.join(base.path, ...segments));
    }

    toString(): string {
        return `${this.scheme}://${this.path}`;
    }
}

export interface FakeWorkspaceFolder {
    uri: Uri;
    name: string;
    index: number;
}

export class FakeStatusBarItem {
    name: string | undefined;
    text = '';
    tooltip: MarkdownString | string | undefined;
    command: unknown;
    backgroundColor: ThemeColor | undefined;
    accessibilityInformation: unknown;
    visible = false;
    disposed = false;

    constructor(
        public readonly id: string,
        public readonly alignment: StatusBarAlignment,
        public readonly priority: number,
    ) {}

    show(): void {
        this.visible = true;
    }

    hide(): void {
        this.visible = false;
    }

    dispose(): void {
        this.disposed = true;
    }
}

export class FakeTerminal {
    exitStatus: { code: number | undefined } | undefined;
    readonly show = vi.fn();
    readonly sendText = vi.fn();
    readonly dispose = vi.fn();

    constructor(public readonly creationOptions: Record<string, unknown>) {}
}

export class FakeFileSystemWatcher {
    readonly created = new EventEmitter<Uri>();
    readonly changed = new EventEmitter<Uri>();
    readonly deleted = new EventEmitter<Uri>();
    readonly onDidCreate = this.created.event;
    readonly onDidChange = this.changed.event;
    readonly onDidDelete = this.deleted.event;
    disposed = false;

    constructor(public readonly glob: string) {}

    dispose(): void {
        this.disposed = true;
    }
}

const DIRECTORY = Symbol('directory');

interface ContentProvider {
    provideTextDocumentContent(uri: Uri): string;
}

/** Everything the fake editor holds; `resetFake` empties it before each test. */
export const fake = {
    /** Settings by full key, e.g. `hotbed.interpreter`. */
    config: new Map<string, unknown>(),
    /** Files by fsPath: their text, or DIRECTORY. */
    files: new Map<string, string | typeof DIRECTORY>(),
    workspaceFolders: [] as FakeWorkspaceFolder[],
    commands: new Map<string, (...args: unknown[]) => unknown>(),
    statusBarItems: [] as FakeStatusBarItem[],
    terminals: [] as FakeTerminal[],
    watchers: [] as FakeFileSystemWatcher[],
    extensions: new Map<string, unknown>(),
    found: [] as Uri[],
    providers: new Map<string, ContentProvider>(),
    configurationChanged: new EventEmitter<{ affectsConfiguration(section: string): boolean }>(),
    terminalClosed: new EventEmitter<FakeTerminal>(),
    activeEditor: undefined as { document: { uri: Uri } } | undefined,
    activeEditorChanged: new EventEmitter<{ document: { uri: Uri } } | undefined>(),
};

export function resetFake(): void {
    fake.config.clear();
    fake.files.clear();
    fake.workspaceFolders = [];
    fake.commands.clear();
    fake.statusBarItems = [];
    fake.terminals = [];
    fake.watchers = [];
    fake.extensions.clear();
    fake.found = [];
    fake.providers.clear();
    fake.configurationChanged.dispose();
    fake.terminalClosed.dispose();
    fake.activeEditor = undefined;
    fake.activeEditorChanged.dispose();
}

export function addWorkspaceFolder(fsPath: string): FakeWorkspaceFolder {
    const folder = { uri: Uri.file(fsPath), name: path.posix.basename(fsPath), index: fake.workspaceFolders.length };
    fake.workspaceFolders.push(folder);
    return folder;
}

export function addFile(fsPath: string, content = ''): void {
    fake.files.set(fsPath, content);
}

export function addDirectory(fsPath: string): void {
    fake.files.set(fsPath, DIRECTORY);
}

function outputChannel(name: string) {
    return {
        name,
        appendLine: vi.fn(),
        append: vi.fn(),
        info: vi.fn(),
        warn: vi.fn(),
        error: vi.fn(),
        debug: vi.fn(),
        trace: vi.fn(),
        show: vi.fn(),
        hide: vi.fn(),
        clear: vi.fn(),
        dispose: vi.fn(),
    };
}

export const window = {
    createOutputChannel: vi.fn((name: string) => outputChannel(name)),
    createStatusBarItem: vi.fn((id: string, alignment: StatusBarAlignment, priority: number) => {
        const item = new FakeStatusBarItem(id, alignment, priority);
        fake.statusBarItems.push(item);
        return item;
    }),
    showErrorMessage: vi.fn(async (..._args: unknown[]): Promise<string | undefined> => undefined),
    showWarningMessage: vi.fn(async (..._args: unknown[]): Promise<string | undefined> => undefined),
    showInformationMessage: vi.fn(async (..._args: unknown[]): Promise<string | undefined> => undefined),
    withProgress: vi.fn(
        (
            _options: { location: ProgressLocation; title?: string; cancellable?: boolean },
            task: (progress: { report: () => void }, token: { onCancellationRequested: (l: () => void) => void }) => Promise<unknown>,
        ) => task({ report: vi.fn() }, { onCancellationRequested: vi.fn() }),
    ),
    showTextDocument: vi.fn(async (document: unknown) => ({ document })),
    createTerminal: vi.fn((options: Record<string, unknown>) => {
        const terminal = new FakeTerminal(options);
        fake.terminals.push(terminal);
        return terminal;
    }),
    onDidCloseTerminal: (listener: Listener<FakeTerminal>) => fake.terminalClosed.event(listener),
    get activeTextEditor(): { document: { uri: Uri } } | undefined {
        return fake.activeEditor;
    },
    onDidChangeActiveTextEditor: (listener: Listener<{ document: { uri: Uri } } | undefined>) =>
        fake.activeEditorChanged.event(listener),
};

/** Makes `path` the active editor's file (`undefined`: no editor), as clicking a tab does. */
export function activateEditor(path: string | undefined): void {
    fake.activeEditor = path === undefined ? undefined : { document: { uri: Uri.file(path) } };
    fake.activeEditorChanged.fire(fake.activeEditor);
}

export const commands = {
    registerCommand: vi.fn((id: string, callback: (...args: unknown[]) => unknown) => {
        if (fake.commands.has(id)) {
            throw new Error(`command '${id}' already exists`);
        }
        fake.commands.set(id, callback);
        return new Disposable(() => fake.commands.delete(id));
    }),
    executeCommand: vi.fn(async (id: string, ...args: unknown[]) => fake.commands.get(id)?.(...args)),
};

export const workspace = {
    get workspaceFolders(): FakeWorkspaceFolder[] | undefined {
        return fake.workspaceFolders.length > 0 ? fake.workspaceFolders : undefined;
    },
    getWorkspaceFolder: (uri: Uri) =>
        fake.workspaceFolders.find((folder) => (uri.fsPath + '/').startsWith(folder.uri.fsPath + '/')),
    getConfiguration: vi.fn((section: string) => ({
        get: (key: string, defaultValue?: unknown) => {
            const full = `${section}.${key}`;
            return fake.config.has(full) ? fake.config.get(full) : defaultValue;
        },
    })),
    onDidChangeConfiguration: (listener: Listener<{ affectsConfiguration(section: string): boolean }>) =>
        fake.configurationChanged.event(listener),
    onDidChangeWorkspaceFolders: () => new Disposable(),
    // Events vscode-languageclient subscribes to; nothing fires them here.
    textDocuments: [],
    notebookDocuments: [],
    onDidOpenTextDocument: noEvent,
    onDidChangeTextDocument: noEvent,
    onDidCloseTextDocument: noEvent,
    onDidSaveTextDocument: noEvent,
    onWillSaveTextDocument: noEvent,
    onDidOpenNotebookDocument: noEvent,
    onDidChangeNotebookDocument: noEvent,
    onDidCloseNotebookDocument: noEvent,
    onDidSaveNotebookDocument: noEvent,
    createFileSystemWatcher: vi.fn((glob: string) => {
        const watcher = new FakeFileSystemWatcher(glob);
        fake.watchers.push(watcher);
        return watcher;
    }),
    // `**/NAME` globs only: the found files whose path ends in NAME.
    findFiles: vi.fn(async (include: string) => fake.found.filter((uri) => uri.fsPath.endsWith(include.replace(/^\*\*/, '')))),
    fs: {
        stat: async (uri: Uri) => {
            const entry = fake.files.get(uri.fsPath);
            if (entry === undefined) {
                throw new Error(`ENOENT: ${uri.fsPath}`);
            }
            return { type: entry === DIRECTORY ? 2 : 1 };
        },
        readFile: async (uri: Uri) => {
            const entry = fake.files.get(uri.fsPath);
            if (typeof entry !== 'string') {
                throw new Error(`ENOENT: ${uri.fsPath}`);
            }
            return new TextEncoder().encode(entry);
        },
    },
    registerTextDocumentContentProvider: vi.fn((scheme: string, provider: ContentProvider) => {
        fake.providers.set(scheme, provider);
        return new Disposable(() => fake.providers.delete(scheme));
    }),
    openTextDocument: vi.fn(async (uri: Uri) => ({
        uri,
        getText: () => fake.providers.get(uri.scheme)?.provideTextDocumentContent(uri) ?? '',
    })),
};

export const extensions = {
    getExtension: vi.fn((id: string) => fake.extensions.get(id)),
};

// What vscode-languageclient needs besides the API above: the real LanguageClient runs against
// this fake too (see test/setup.ts). Its converters extend these classes when the module loads.

/** The constructor arguments of an editor value class, kept as given. */
class EditorValue {
    readonly args: unknown[];

    constructor(...args: unknown[]) {
        this.args = args;
    }
}

export class CompletionItem extends EditorValue {}
export class CodeLens extends EditorValue {}
export class CodeAction extends EditorValue {}
export class Diagnostic extends EditorValue {}
export class DocumentLink extends EditorValue {}
export class InlayHint extends EditorValue {}
export class SymbolInformation extends EditorValue {}
export class CallHierarchyItem extends EditorValue {}
export class TypeHierarchyItem extends EditorValue {}
export class TabInputText extends EditorValue {}
export class TabInputTextDiff extends EditorValue {}
export class TabInputCustom extends EditorValue {}
export class CancellationError extends Error {}

export const CodeActionKind = {
    Empty: { value: '' },
    QuickFix: { value: 'quickfix' },
    Refactor: { value: 'refactor' },
    RefactorExtract: { value: 'refactor.extract' },
    RefactorInline: { value: 'refactor.inline' },
    RefactorRewrite: { value: 'refactor.rewrite' },
    Source: { value: 'source' },
    SourceOrganizeImports: { value: 'source.organizeImports' },
};

/** The engine version package.json asks for; the client checks it. */
export const version = '1.82.0';

export const env = { appName: 'Visual Studio Code', language: 'en', openExternal: vi.fn(async () => true) };

export class FakeDiagnosticCollection {
    readonly entries = new Map<string, unknown[]>();

    constructor(public readonly name: string | undefined) {}

    set(uri: Uri, diagnostics: unknown[] | undefined): void {
        this.entries.set(uri.toString(), diagnostics ?? []);
    }

    delete(uri: Uri): void {
        this.entries.delete(uri.toString());
    }

    clear(): void {
        this.entries.clear();
    }

    dispose(): void {
        this.entries.clear();
    }
}

export const languages = {
    createDiagnosticCollection: vi.fn((name?: string) => new FakeDiagnosticCollection(name)),
    /** No document is open in the fake editor, so no selector matches one. */
    match: vi.fn(() => 0),
};
