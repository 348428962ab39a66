import { describe, expect, it } from 'vitest';
import { renderDependencyTree } from '../src/common/dependencyTree';
import type { DumpEntry } from '../src/common/types';
import { ROOT } from './helpers';

function entry(name: string, dependencies: string[], dependents: string[], extra: Partial<DumpEntry> = {}): DumpEntry {
    return {
        path: `${ROOT}/${name}.py`,
        nodePath: name,
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
                entry('main', ['routes', 'settings'], [], { boundary: true }),
                entry('routes', ['settings', 'models'], ['main'], { apis: ['GET /greet/{name}'] }),
                entry('settings', [], ['main', 'routes'], { reloadable: false }),
                entry('models', [], ['routes'], { version: 3 }),
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
        const text = renderDependencyTree([entry('a', ['b'], ['b']), entry('b', ['a', 'os'], ['a'])], ROOT);
        expect(text).toContain('a.py [v1]\n└── b.py [v1]\n    ├── a.py (see above)\n    └── os (not tracked)');
    });

    it('says so when nothing is loaded', () => {
        expect(renderDependencyTree([])).toContain('No modules are loaded');
    });
});
