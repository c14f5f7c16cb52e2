// The library's own lint: src/, test/, bin/ and scripts/, type-aware. Katas are left out on
// purpose: their starters and .meta/wrong variants are bad code by design, and the callback-hell
// check (src/check/) lints each kata with the rules its kata.json selects.
import js from '@eslint/js';
import nPlugin from 'eslint-plugin-n';
import promisePlugin from 'eslint-plugin-promise';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['katas/**', 'node_modules/**', 'coverage/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  promisePlugin.configs['flat/recommended'],
  {
    rules: {
      // `.then(onDone, onError)` handles the rejection; the last callback need not return.
      'promise/catch-or-return': ['error', { allowThen: true }],
      'promise/always-return': ['error', { ignoreLastCallback: true }],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: globals.node,
    },
    plugins: { n: nPlugin },
    rules: {
      // Sync fs is fine in a CLI and its tests; n/no-sync is for the katas' code (src/check/).
      'n/no-deprecated-api': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
      // House style: `list[0]!` states an invariant even where the compiler does not need it.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // House style (STYLE.md): an async function never throws synchronously, awaited or not.
      '@typescript-eslint/require-await': 'off',
      // `require.resolve` and lazy `require` of optional tools are deliberate here.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // chai's `expect(x).to.be.empty` is an expression statement; tests poke at JSON as `any`.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: globals.node, sourceType: 'commonjs' },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
);
