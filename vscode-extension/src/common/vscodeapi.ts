/**
 * The one seam over the `vscode` module: every other module calls the editor through these
 * wrappers and imports only types from `vscode`, so tests replace this one boundary.
 */
import {
    commands,
    EventEmitter,
    extensions,
    MarkdownString,
    ProgressLocation,
    Range,
    StatusBarAlignment,
    ThemeColor,
    Uri,
    window,
    workspace,
} from 'vscode';
import type {
    ConfigurationChangeEvent,
    ConfigurationScope,
    Disposable,
    Event,
    Extension,
    FileSystemWatcher,
    LogOutputChannel,
    StatusBarItem,
    Terminal,
    TerminalOptions,
    TextDocument,
    TextDocumentContentProvider,
    TextDocumentShowOptions,
    TextEditor,
    WorkspaceConfiguration,
    WorkspaceFolder,
    WorkspaceFoldersChangeEvent,
} from 'vscode';

export function createOutputChannel(name: string): LogOutputChannel {
    return window.createOutputChannel(name, { log: true });
}

export function createStatusBarItem(id: string, priority: number): StatusBarItem {
    return window.createStatusBarItem(id, StatusBarAlignment.Left, priority);
}

/**
 * A notification that stays until `done` settles or the person closes it. Message pop-ups cannot be
 * closed by an extension; a progress notification can, so a problem that is gone leaves no pop-up.
 */
export function showUntil(title: string, done: Promise<void>): Thenable<void> {
    return window.withProgress(
        { location: ProgressLocation.Notification, title, cancellable: true },
        (_progress, token) =>
            new Promise<void>((resolve) => {
                token.onCancellationRequested(() => resolve());
                void done.then(() => resolve());
            }),
    );
}

export function showErrorMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined> {
    return window.showErrorMessage(message, ...items);
}

export function showWarningMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined> {
    return window.showWarningMessage(message, ...items);
}

export function showInformationMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined> {
    return window.showInformationMessage(message, ...items);
}

export function registerCommand(command: string, callback: (...args: unknown[]) => unknown): Disposable {
    return commands.registerCommand(command, callback);
}

export function executeCommand<T = unknown>(command: string, ...rest: unknown[]): Thenable<T> {
    return commands.executeCommand<T>(command, ...rest);
}

export function getConfiguration(section: string, scope?: ConfigurationScope): WorkspaceConfiguration {
    return workspace.getConfiguration(section, scope);
}

export function onDidChangeConfiguration(listener: (e: ConfigurationChangeEvent) => unknown): Disposable {
    return workspace.onDidChangeConfiguration(listener);
}

export function getWorkspaceFolders(): readonly WorkspaceFolder[] {
    return workspace.workspaceFolders ?? [];
}

export function getWorkspaceFolder(uri: Uri): WorkspaceFolder | undefined {
    return workspace.getWorkspaceFolder(uri);
}

export function onDidChangeWorkspaceFolders(listener: (e: WorkspaceFoldersChangeEvent) => unknown): Disposable {
    return workspace.onDidChangeWorkspaceFolders(listener);
}

export function createFileSystemWatcher(glob: string): FileSystemWatcher {
    return workspace.createFileSystemWatcher(glob);
}

export async function findFiles(include: string, exclude: string, maxResults: number): Promise<Uri[]> {
    return workspace.findFiles(include, exclude, maxResults);
}

/** The file's kind, or `undefined` when it does not exist. */
export async function statKind(uri: Uri): Promise<'file' | 'directory' | undefined> {
    try {
        const stat = await workspace.fs.stat(uri);
        // FileType is a bit set: File = 1, Directory = 2.
        return (stat.type & 2) !== 0 ? 'directory' : 'file';
    } catch {
        return undefined;
    }
}

export async function readTextFile(uri: Uri): Promise<string | undefined> {
    try {
        return new TextDecoder().decode(await workspace.fs.readFile(uri));
    } catch {
        return undefined;
    }
}

export function registerTextDocumentContentProvider(scheme: string, provider: TextDocumentContentProvider): Disposable {
    return workspace.registerTextDocumentContentProvider(scheme, provider);
}

export async function openTextDocument(uri: Uri): Promise<TextDocument> {
    return workspace.openTextDocument(uri);
}

export async function showTextDocument(document: TextDocument, options?: TextDocumentShowOptions): Promise<TextEditor> {
    return window.showTextDocument(document, options);
}

/** The active editor's file document (`undefined`: none, or not a file). */
export function activeFile(): Uri | undefined {
    const uri = window.activeTextEditor?.document.uri;
    return uri?.scheme === 'file' ? uri : undefined;
}

/** Called with the active editor's file document (`undefined`: none, or not a file) whenever it changes. */
export function onDidChangeActiveFile(listener: (uri: Uri | undefined) => unknown): Disposable {
    return window.onDidChangeActiveTextEditor((editor) => {
        const uri = editor?.document.uri;
        listener(uri?.scheme === 'file' ? uri : undefined);
    });
}

export function createTerminal(options: TerminalOptions): Terminal {
    return window.createTerminal(options);
}

export function onDidCloseTerminal(listener: (terminal: Terminal) => unknown): Disposable {
    return window.onDidCloseTerminal(listener);
}

export function getExtension<T>(id: string): Extension<T> | undefined {
    return extensions.getExtension<T>(id);
}

export function fileUri(path: string): Uri {
    return Uri.file(path);
}

export function documentUri(scheme: string, path: string): Uri {
    return Uri.from({ scheme, path: `/${path}` });
}

export function joinUri(base: Uri, ...segments: string[]): Uri {
    return Uri.joinPath(base, ...segments);
}

/** A 0-based range of the editor from 1-based line and column (0 meaning unknown). */
export function lineRange(line: number, column: number): Range {
    const l = Math.max(line - 1, 0);
    const c = Math.max(column - 1, 0);
    return new Range(l, c, l, c);
}

export function markdown(value: string): MarkdownString {
    const md = new MarkdownString(value);
    md.supportThemeIcons = true;
    return md;
}

export function themeColor(id: string): ThemeColor {
    return new ThemeColor(id);
}

export function eventEmitter<T>(): EventEmitter<T> & { event: Event<T> } {
    return new EventEmitter<T>();
}
