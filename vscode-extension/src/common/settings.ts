/** Typed settings under `hotbed.*`, `${workspaceFolder}` resolution, and which changes restart the server. */
import * as os from 'node:os';
import type { ConfigurationChangeEvent, WorkspaceFolder } from 'vscode';
import { SETTINGS_NAMESPACE } from './constants';
import { getConfiguration } from './vscodeapi';

export type NotificationLevel = 'off' | 'onError' | 'always';

export interface HotbedSettings {
    /** The folder the settings were read for; `${workspaceFolder}` resolves to it. */
    workspace: string;
    /** The command that runs Python; empty means "discover it" (see python.ts). */
    interpreter: string[];
    /** Extra arguments for `<python> -m hotbed_lsp`. */
    serverArgs: string[];
    /** Restart the dev server by itself when a save needs a restart. */
    autoRestart: boolean;
    showNotifications: NotificationLevel;
}

export const DEFAULT_SETTINGS: Omit<HotbedSettings, 'workspace'> = {
    interpreter: [],
    serverArgs: [],
    autoRestart: false,
    showNotifications: 'onError',
};

/** Settings whose change restarts the language server; the others are read when they are used. */
export const RESTART_KEYS = ['interpreter', 'serverArgs'] as const;

const NOTIFICATION_LEVELS: readonly NotificationLevel[] = ['off', 'onError', 'always'];

/** Replaces `${workspaceFolder}`, `${userHome}` and `${env:NAME}` in each value. */
export function resolveVariables(values: readonly string[], workspace?: WorkspaceFolder, env = process.env): string[] {
    const substitutions = new Map<string, string>([['${userHome}', os.homedir()]]);
    if (workspace) {
        substitutions.set('${workspaceFolder}', workspace.uri.fsPath);
        substitutions.set(`\${workspaceFolder:${workspace.name}}`, workspace.uri.fsPath);
    }
    return values.map((value) => {
        let resolved = value;
        for (const [variable, replacement] of substitutions) {
            resolved = resolved.split(variable).join(replacement);
        }
        return resolved.replace(/\$\{env:([^}]+)\}/g, (_match, name: string) => env[name] ?? '');
    });
}

function stringArray(value: unknown): string[] {
    if (typeof value === 'string') {
        return value.trim() === '' ? [] : [value];
    }
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** The settings for `workspace`, with variables resolved; the interpreter is left empty when unset. */
export function getWorkspaceSettings(workspace: WorkspaceFolder): HotbedSettings {
    const config = getConfiguration(SETTINGS_NAMESPACE, workspace.uri);
    const level = config.get<string>('showNotifications', DEFAULT_SETTINGS.showNotifications);
    return {
        workspace: workspace.uri.fsPath,
        interpreter: resolveVariables(stringArray(config.get('interpreter')), workspace),
        serverArgs: resolveVariables(stringArray(config.get('serverArgs')), workspace),
        autoRestart: config.get<boolean>('autoRestart', DEFAULT_SETTINGS.autoRestart) === true,
        showNotifications: NOTIFICATION_LEVELS.includes(level as NotificationLevel)
            ? (level as NotificationLevel)
            : DEFAULT_SETTINGS.showNotifications,
    };
}

/** Whether a configuration change touches a setting in RESTART_KEYS. */
export function checkIfConfigurationChanged(e: ConfigurationChangeEvent): boolean {
    return RESTART_KEYS.some((key) => e.affectsConfiguration(`${SETTINGS_NAMESPACE}.${key}`));
}
