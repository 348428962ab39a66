/** Names shared across the extension: ids, wire methods, timings. */

export const EXTENSION_NAME = 'hotbed';
/** The prefix of every setting (`hotbed.interpreter`, ...). */
export const SETTINGS_NAMESPACE = 'hotbed';
/** The language server, started as `<python> -m hotbed_lsp`. */
export const SERVER_MODULE = 'hotbed_lsp';
/** The dev server, started in a terminal as `<python> -m hotbed dev`. */
export const DEV_SERVER_ARGS = ['-m', 'hotbed', 'dev'] as const;
export const DEV_TERMINAL_NAME = 'hotbed dev';
export const FALLBACK_PYTHON = 'python3';
export const PYTHON_EXTENSION_ID = 'ms-python.python';

/** The notification the language server sends after every change of state (docs/protocol.md). */
export const STATUS_NOTIFICATION = 'hotbed/status';
export const EXECUTE_COMMAND_REQUEST = 'workspace/executeCommand';

/** Commands the language server implements, sent with `workspace/executeCommand`. */
export const ServerCommand = {
    restart: 'hotbed.restart',
    sync: 'hotbed.sync',
    dump: 'hotbed.dump',
} as const;

/** Commands the extension registers (the palette entries in package.json). */
export const Command = {
    restart: 'hotbed.restart',
    sync: 'hotbed.sync',
    showDependencyTree: 'hotbed.showDependencyTree',
    startDevServer: 'hotbed.startDevServer',
    showOutput: 'hotbed.showOutput',
    restartServer: 'hotbed.restartServer',
} as const;

/** Built-in VS Code commands the status bar item uses. */
export const BuiltinCommand = {
    open: 'vscode.open',
    showProblems: 'workbench.actions.view.problems',
} as const;

/** Virtual documents the extension renders (the dependency tree). */
export const DOCUMENT_SCHEME = 'hotbed';
export const DEPENDENCY_TREE_PATH = 'dependency-tree.txt';

/** Configuration changes arrive in bursts; restarts wait this long and run once. */
export const LS_SERVER_RESTART_DELAY = 1000;

/**
 * After `restart-required`, how long `hotbed dev` has to start restarting its worker by itself
 * (it says `restarting` within milliseconds); only past this does the extension step in.
 */
export const RESTART_GRACE_MS = 2000;

/** Files that make a folder a hotbed project. */
export const PROJECT_MARKERS = {
    config: 'hotbed.toml',
    pyproject: 'pyproject.toml',
    stateDir: '.hotbed',
    /** In `stateDir`: the dev server's lock, left behind once it ran there. */
    lock: 'dev.lock',
} as const;

export const ENTITY_GLOB = '**/*.entity.json';
