import * as os from 'node:os';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { findHotbedProject, isHotbedProject } from '../src/common/project';
import { resolveInterpreter } from '../src/common/python';
import {
    checkIfConfigurationChanged,
    DEFAULT_SETTINGS,
    getWorkspaceSettings,
    resolveVariables,
    RESTART_KEYS,
} from '../src/common/settings';
import { addDirectory, addFile, addWorkspaceFolder, extensions, fake, resetFake, Uri } from './mocks/vscode';

const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
    activationEvents: string[];
    contributes: { configuration: { properties: Record<string, { default: unknown }> } };
};

beforeEach(resetFake);

describe('getWorkspaceSettings', () => {
    it('gives the defaults when nothing is set, and they match package.json', () => {
        const folder = addWorkspaceFolder('/home/me/blog');
        expect(getWorkspaceSettings(folder as never)).toEqual({ workspace: '/home/me/blog', ...DEFAULT_SETTINGS });
        const declared = manifest.contributes.configuration.properties;
        for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) {
            expect(declared[`hotbed.${key}`]?.default, key).toEqual(value);
        }
        expect(Object.keys(declared).sort()).toEqual(Object.keys(DEFAULT_SETTINGS).map((k) => `hotbed.${k}`).sort());
    });

    it('resolves ${workspaceFolder} in the interpreter and server arguments', () => {
        const folder = addWorkspaceFolder('/home/me/blog');
        fake.config.set('hotbed.interpreter', ['${workspaceFolder}/.venv/bin/python']);
        fake.config.set('hotbed.serverArgs', ['--log-file', '${workspaceFolder}/.hotbed/lsp.log']);
        fake.config.set('hotbed.autoRestart', true);
        fake.config.set('hotbed.showNotifications', 'always');
        expect(getWorkspaceSettings(folder as never)).toEqual({
            workspace: '/home/me/blog',
            interpreter: ['/home/me/blog/.venv/bin/python'],
            serverArgs: ['--log-file', '/home/me/blog/.hotbed/lsp.log'],
            autoRestart: true,
            showNotifications: 'always',
        });
    });

    it('accepts a plain string interpreter and falls back on unknown notification levels', () => {
        const folder = addWorkspaceFolder('/w');
        fake.config.set('hotbed.interpreter', '/usr/bin/python3.12');
        fake.config.set('hotbed.showNotifications', 'loud');
        const settings = getWorkspaceSettings(folder as never);
        expect(settings.interpreter).toEqual(['/usr/bin/python3.12']);
        expect(settings.showNotifications).toBe('onError');
    });
});

describe('resolveVariables', () => {
    it('replaces ${workspaceFolder}, ${workspaceFolder:name}, ${userHome} and ${env:NAME}', () => {
        const folder = addWorkspaceFolder('/w/blog');
        expect(
            resolveVariables(
                ['${workspaceFolder}/a', '${workspaceFolder:blog}/b', '${userHome}/c', '${env:VENV}/d', '${env:NOPE}e'],
                folder as never,
                { VENV: '/venvs/blog' },
            ),
        ).toEqual(['/w/blog/a', '/w/blog/b', `${os.homedir()}/c`, '/venvs/blog/d', 'e']);
    });

    it('leaves ${workspaceFolder} alone without a folder', () => {
        expect(resolveVariables(['${workspaceFolder}/x'])).toEqual(['${workspaceFolder}/x']);
    });
});

describe('checkIfConfigurationChanged', () => {
    const event = (...changed: string[]) => ({ affectsConfiguration: (section: string) => changed.includes(section) });

    it('restarts for the interpreter and server arguments only', () => {
        expect(RESTART_KEYS).toEqual(['interpreter', 'serverArgs']);
        expect(checkIfConfigurationChanged(event('hotbed.interpreter') as never)).toBe(true);
        expect(checkIfConfigurationChanged(event('hotbed.serverArgs') as never)).toBe(true);
        expect(checkIfConfigurationChanged(event('hotbed.autoRestart') as never)).toBe(false);
        expect(checkIfConfigurationChanged(event('hotbed.showNotifications') as never)).toBe(false);
        expect(checkIfConfigurationChanged(event('editor.fontSize') as never)).toBe(false);
    });
});

describe('resolveInterpreter', () => {
    function pythonExtension(executable: string | undefined, isActive = true) {
        const exports = {
            environments: {
                getActiveEnvironmentPath: vi.fn(() => ({ path: 'env-id' })),
                resolveEnvironment: vi.fn(async () =>
                    executable ? { executable: { uri: Uri.file(executable) } } : undefined,
                ),
                onDidChangeActiveEnvironmentPath: vi.fn(),
            },
        };
        const extension = { isActive, exports, activate: vi.fn(async () => exports) };
        fake.extensions.set('ms-python.python', extension);
        return extension;
    }

    it('uses the setting first', async () => {
        pythonExtension('/from/python/extension');
        expect(await resolveInterpreter(['/setting/python', '-X', 'dev'])).toEqual(['/setting/python', '-X', 'dev']);
        expect(extensions.getExtension).not.toHaveBeenCalled();
    });

    it("then the Python extension's active interpreter, activating the extension if needed", async () => {
        const extension = pythonExtension('/home/me/blog/.venv/bin/python', false);
        expect(await resolveInterpreter([])).toEqual(['/home/me/blog/.venv/bin/python']);
        expect(extension.activate).toHaveBeenCalledOnce();
    });

    it('then python3, when the Python extension is absent or knows no interpreter', async () => {
        expect(await resolveInterpreter([])).toEqual(['python3']);
        pythonExtension(undefined);
        expect(await resolveInterpreter([])).toEqual(['python3']);
    });

    it('then python3, when the Python extension fails', async () => {
        const extension = pythonExtension('/x', false);
        extension.activate.mockRejectedValueOnce(new Error('boom'));
        expect(await resolveInterpreter([])).toEqual(['python3']);
    });
});

describe('hotbed project detection', () => {
    it.each([
        ['hotbed.toml', () => addFile('/w/hotbed.toml')],
        ['.hotbed/', () => addDirectory('/w/.hotbed')],
        ['[tool.hotbed] in pyproject.toml', () => addFile('/w/pyproject.toml', '[project]\nname = "x"\n\n[tool.hotbed]\n')],
        ['[tool.hotbed.x] in pyproject.toml', () => addFile('/w/pyproject.toml', '[tool.hotbed.app.codegen]\nx = 1\n')],
    ])('a folder with %s is a project', async (_name, arrange) => {
        arrange();
        expect(await isHotbedProject(Uri.file('/w') as never)).toBe(true);
    });

    it.each([
        ['nothing', () => undefined],
        ['a pyproject.toml without [tool.hotbed]', () => addFile('/w/pyproject.toml', '[tool.ruff]\n# [tool.hotbed]\n')],
        ['a file named .hotbed', () => addFile('/w/.hotbed')],
    ])('a folder with %s is not', async (_name, arrange) => {
        arrange();
        expect(await isHotbedProject(Uri.file('/w') as never)).toBe(false);
    });

    it('finds a hotbed.toml below the workspace folder', async () => {
        const folder = addWorkspaceFolder('/w');
        fake.found = [Uri.file('/w/services/api/hotbed.toml')];
        const project = await findHotbedProject();
        expect(project?.folder).toBe(folder);
        expect(project?.root.fsPath).toBe('/w/services/api');
    });

    it('finds a folder below the workspace folder where hotbed dev ran (its lock)', async () => {
        const folder = addWorkspaceFolder('/w');
        fake.found = [Uri.file('/w/examples/a/.hotbed/dev.lock')];
        const project = await findHotbedProject();
        expect(project?.folder).toBe(folder);
        expect(project?.root.fsPath).toBe('/w/examples/a');
    });

    it('prefers a workspace folder that is a project', async () => {
        addWorkspaceFolder('/a');
        const b = addWorkspaceFolder('/b');
        addFile('/b/hotbed.toml');
        expect((await findHotbedProject())?.root.fsPath).toBe(b.uri.fsPath);
    });

    it('finds the project above the workspace folder when none is in it', async () => {
        const folder = addWorkspaceFolder('/repo/examples/hello');
        addDirectory('/repo/examples/.hotbed');
        const project = await findHotbedProject();
        expect(project?.folder).toBe(folder);
        expect(project?.root.fsPath).toBe('/repo/examples');
    });

    it('finds nothing in an empty window', async () => {
        expect(await findHotbedProject()).toBeUndefined();
    });

    it('activates on exactly the project markers, entity files and Python files, never on everything', () => {
        // pyproject.toml only at the top, as findHotbedProject reads it: activate() then checks for [tool.hotbed].
        expect(manifest.activationEvents).toEqual([
            'workspaceContains:**/hotbed.toml',
            'workspaceContains:.hotbed',
            'workspaceContains:**/.hotbed/dev.lock',
            'workspaceContains:pyproject.toml',
            'workspaceContains:**/*.entity.json',
            'onLanguage:python',
        ]);
    });
});
