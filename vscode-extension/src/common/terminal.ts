/** The terminal that runs `<python> -m hotbed dev` for the project. */
import type { Disposable, Terminal } from 'vscode';
import { DEV_SERVER_ARGS, DEV_TERMINAL_NAME } from './constants';
import { createTerminal, onDidCloseTerminal } from './vscodeapi';

export class DevServerTerminal implements Disposable {
    private terminal: Terminal | undefined;
    private readonly listener: Disposable;

    constructor() {
        this.listener = onDidCloseTerminal((closed) => {
            if (closed === this.terminal) {
                this.terminal = undefined;
            }
        });
    }

    /** Whether the dev server terminal is open and its process has not exited. */
    get running(): boolean {
        return this.terminal !== undefined && this.terminal.exitStatus === undefined;
    }

    /** Opens a terminal running the dev server; the interpreter runs directly, without a shell to quote for. */
    start(interpreter: readonly string[], cwd: string): Terminal {
        this.terminal?.dispose();
        const [shellPath, ...args] = interpreter;
        this.terminal = createTerminal({
            name: DEV_TERMINAL_NAME,
            cwd,
            shellPath,
            shellArgs: [...args, ...DEV_SERVER_ARGS],
        });
        this.terminal.show(true);
        return this.terminal;
    }

    show(): void {
        this.terminal?.show(true);
    }

    dispose(): void {
        this.listener.dispose();
    }
}
