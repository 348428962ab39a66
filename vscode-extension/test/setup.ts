/**
 * vscode-languageclient is CommonJS and loads `vscode` with Node's own `require`, which the alias in
 * vitest.config.mts does not reach. Resolve that `require('vscode')` to the same fake module the
 * tests import, so the real LanguageClient runs against the fake editor. Each test file runs in a
 * fresh worker (vitest's isolation), so the client binds to that file's fake.
 */
import Module from 'node:module';
import * as vscode from './mocks/vscode';

type Resolve = (request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: Resolve; _cache: Record<string, unknown> };
const resolve = loader._resolveFilename;

loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
loader._cache['vscode'] = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };
