import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..');
const SCHEMA = path.resolve(ROOT, '../core/hotbed/app/entity.schema.json');

interface Manifest {
    contributes: { jsonValidation: { fileMatch: string; url: string }[] };
}

describe('the entity schema for *.entity.json', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;

    it('is wired to entity files through jsonValidation', () => {
        expect(manifest.contributes.jsonValidation).toEqual([
            { fileMatch: '*.entity.json', url: './dist/entity.schema.json' },
        ]);
    });

    it('is the Python package schema, copied in by the build and kept by .vscodeignore', () => {
        execFileSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT });
        const url = manifest.contributes.jsonValidation[0].url;
        expect(readFileSync(path.join(ROOT, url), 'utf8')).toBe(readFileSync(SCHEMA, 'utf8'));
        const ignore = readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n');
        expect(ignore).toContain(`!${path.posix.normalize(url)}`);
        const schema = JSON.parse(readFileSync(path.join(ROOT, url), 'utf8')) as { properties: object };
        expect(Object.keys(schema.properties)).toContain('props');
    });
});
