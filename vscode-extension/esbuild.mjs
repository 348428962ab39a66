// Bundles the extension and vscode-languageclient into one file, so the .vsix ships no node_modules,
// and copies in the JSON Schema of entity files that `contributes.jsonValidation` points at.
import { copyFileSync } from 'node:fs';
import * as esbuild from 'esbuild';

// Generated from the entity model by the Python package, which ships the same file.
const ENTITY_SCHEMA = new URL('../core/hotbed/app/entity.schema.json', import.meta.url);

await esbuild.build({
    entryPoints: ['src/extension.ts'],
    bundle: true,
    outfile: 'dist/extension.js',
    external: ['vscode'],
    format: 'cjs',
    platform: 'node',
    target: 'node18',
    sourcemap: false,
    minify: true,
    logLevel: 'warning',
});
copyFileSync(ENTITY_SCHEMA, new URL('dist/entity.schema.json', import.meta.url));
