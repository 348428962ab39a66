/** The shapes on the wire between the language server and the extension (docs/protocol.md). */

/** States of `hotbed/status`; `stopped` is the extension's own: no language server is running. */
export type ServerState = 'idle' | 'syncing' | 'ok' | 'error' | 'restart-required' | 'restarting' | 'disconnected';
export type HotbedState = ServerState | 'stopped';

export type ErrorKind = 'syntax' | 'import' | 'dispose' | 'prune' | 'entity';

export interface ReportError {
    kind: ErrorKind | string;
    path: string;
    /** 1-based; 0 when unknown. */
    line: number;
    /** 1-based; 0 when unknown. */
    column: number;
    message: string;
    sourceLine?: string | null;
}

export interface RestartReason {
    kind: string;
    path: string;
    message: string;
}

/** What one batch of changes did. */
export interface Report {
    ok: boolean;
    root: string;
    changed: string[];
    reexecuted: string[];
    /** Modules changed in place (function bodies only): nothing re-executed. */
    patched?: string[];
    patchedFunctions?: number;
    generated: string[];
    pruned: string[];
    restart: RestartReason[];
    errors: ReportError[];
    apis: string[];
    durationMs: number;
    pid?: number | null;
}

/** The params of the `hotbed/status` notification. */
export interface Status {
    state: HotbedState;
    message: string;
    report: Report | null;
    /** The project folder the status concerns (one language server serves every project of the window); absent from `stopped`. */
    root?: string;
    /** In the answer to `status` only (0 and "" in broadcasts): the supervisor's pid, the app's URL. */
    pid?: number;
    url?: string;
}

/** One module in the result of `hotbed.dump` (`DumpNode` in core/hotbed/dev/protocol.py). */
export interface DumpEntry {
    /** Relative to the project root, e.g. `hello/routes.py`; `dependencies` and `dependents` name modules by it. */
    path: string;
    /** The absolute file path. */
    nodePath: string;
    boundary: boolean;
    reloadable: boolean;
    version: number;
    dependencies: string[];
    dependents: string[];
    /** Routes the module registers, e.g. `GET /api/user/list`. */
    apis: string[];
    /** The function answering each route of `apis`, in the same order. */
    handlers?: string[];
}

/** The part of vscode-languageclient the commands use; the real client satisfies it. */
export interface ServerConnection {
    sendRequest<R>(method: string, params: unknown): Promise<R>;
}
