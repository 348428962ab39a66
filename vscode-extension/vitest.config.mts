import * as path from 'node:path';
import { defineConfig } from 'vitest/config';

// The `vscode` module exists only inside the editor; tests get a fake at the same name.
export default defineConfig({
    resolve: {
        alias: { vscode: path.resolve(import.meta.dirname, 'test/mocks/vscode.ts') },
    },
    test: {
        environment: 'node',
        mockReset: true,
        testTimeout: 10_000,
        setupFiles: ['test/setup.ts'],
    },
});
