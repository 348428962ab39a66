/** Builders for protocol values used across the tests. */
import type { Report, Status } from '../src/common/types';

export const ROOT = '/home/me/blog';

export function report(overrides: Partial<Report> = {}): Report {
    return {
        ok: true,
        root: ROOT,
        changed: [`${ROOT}/src/user/user.model.py`],
        reexecuted: [`${ROOT}/src/user/user.model.py`, `${ROOT}/src/user/user.api.py`, `${ROOT}/src/app.py`],
        generated: [],
        pruned: [],
        restart: [],
        errors: [],
        apis: ['GET /api/user/list'],
        durationMs: 2.1,
        pid: 12345,
        ...overrides,
    };
}

export const syntaxError = {
    kind: 'syntax',
    path: `${ROOT}/src/x.py`,
    line: 3,
    column: 5,
    message: "SyntaxError: '(' was never closed",
    sourceLine: 'x = (',
};

export function status(state: Status['state'], overrides: Partial<Status> = {}): Status {
    return { state, message: `${state} message`, report: null, ...overrides };
}
