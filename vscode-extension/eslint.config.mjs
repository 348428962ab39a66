// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    { ignores: ['dist/', 'out/', 'node_modules/'] },
    eslint.configs.recommended,
    ...tseslint.configs.strict,
    {
        rules: {
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
        },
    },
    {
        files: ['src/**/*.ts'],
        rules: {
            // vscodeapi.ts is the one seam over the editor; everything else imports types only.
            'no-restricted-imports': [
                'error',
                { paths: [{ name: 'vscode', message: 'Use src/common/vscodeapi.ts.', allowTypeImports: true }] },
            ],
        },
    },
    {
        files: ['src/common/vscodeapi.ts'],
        rules: { 'no-restricted-imports': 'off' },
    },
    {
        files: ['test/**/*.ts'],
        rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
    },
);
