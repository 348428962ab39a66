import { describe, expect, it } from 'vitest';
import { renderDependencyTree } from '../src/common/dependencyTree';
import type { DumpEntry } from '../src/common/types';
import { ROOT } from './helpers';

/** A module as `hotbed.dump` sends it: `path` relative to the project, `nodePath` absolute, edges by `path`. */
function entry(path: string, dependencies: string[], dependents: string[], extra: Partial<DumpEntry> = {}): DumpEntry {
    return {
        path,
        nodePath: `${ROOT}/${path}`,
        boundary: false,
        reloadable: true,
        version: 1,
        dependencies,
        dependents,
        apis: [],
        ...extra,
    };
}

describe('renderDependencyTree', () => {
    it('draws each root with what it imports, expanding every module once', () => {
        const text = renderDependencyTree(
            [
                entry('main.py', ['routes.py', 'settings.py'], [], { boundary: true }),
                entry('routes.py', ['settings.py', 'models.py'], ['main.py'], { apis: ['GET /greet/{name}'] }),
                entry('settings.py', [], ['main.py', 'routes.py'], { reloadable: false }),
                entry('models.py', [], ['routes.py'], { version: 3 }),
            ],
            ROOT,
        );
        expect(text).toBe(
            [
                `hotbed dependency tree: 4 modules in ${ROOT}`,
                '',
                'main.py [v1, boundary]',
                '├── routes.py [v1, 1 API]',
                '│       GET /greet/{name}',
                '│   ├── settings.py [v1, not reloadable]',
                '│   └── models.py [v3]',
                '└── settings.py (see above)',
                '',
            ].join('\n'),
        );
    });

    it('ends cycles and shows modules only reachable through one', () => {
        const text = renderDependencyTree(
            [entry('a.py', ['b.py'], ['b.py']), entry('b.py', ['a.py', 'gone.py'], ['a.py'])],
            ROOT,
        );
        expect(text).toContain('a.py [v1]\n└── b.py [v1]\n    ├── a.py (see above)\n    └── gone.py (not tracked)');
    });

    it('names modules in packages by their relative path, never the absolute one', () => {
        const text = renderDependencyTree(
            [entry('hello/main.py', ['hello/routes.py'], []), entry('hello/routes.py', [], ['hello/main.py'])],
            ROOT,
        );
        expect(text).toContain('hello/main.py [v1]\n└── hello/routes.py [v1]');
        expect(text.split('\n').slice(1).join('\n')).not.toContain(ROOT);
    });

    it('says so when nothing is loaded', () => {
        expect(renderDependencyTree([])).toContain('No modules are loaded');
    });
});
