// The library's own lint: src/, test/, bin/ and scripts/, type-aware. Katas are left out on
// purpose: their starters and .meta/wrong variants are bad code by design, and the callback-hell
// check (src/callback-hell/) lints each kata with the rules its kata.json selects.
import js from '@eslint/js';
import nPlugin from 'eslint-plugin-n';
import promisePlugin from 'eslint-plugin-promise';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Folder boundaries (README, "Layout"): what each folder under src/ may not import, and why.
// A rule matches the import as written: a relative path that climbs out of the folder (`../cli`,
// `../../kata/metadata`) into the named folder. `no-restricted-imports` sees import and export
// declarations (`import type` and `import x = require()` too); `no-restricted-syntax` adds
// `require()` and `import()`, which the library uses for lazy loading.
// test/lint-boundaries.test.ts plants a breach of each rule in each folder.
const climbsInto = (...folders) => `^(?:\\.\\./)+(?:src/)?(?:${folders.join('|')})(?:/|$)`;
const KATAS = {
  regex: '^(?:(?:\\.\\./)+katas(?:/|$)|@callback-katas/)',
  message:
    'Folder boundary: nothing in src/ imports from katas/. The library knows no particular kata: it finds each ' +
    'one through its kata.json (src/kata/catalog.ts), so katas can be added, changed or removed without touching src/.',
};
const BOUNDARIES = {
  harness: {
    regex: climbsInto('cli', 'runner', 'verify', 'callback-hell', 'kata', 'learner', 'dojo'),
    message:
      'Folder boundary: src/harness (the test kit kata tests stand on) imports no CLI, runner, verify, callback-hell, kata ' +
      'or learner code. Every kata test imports the harness, so it must stay a leaf: the tools that run the tests ' +
      'stand on it, never the other way round.',
  },
  kata: {
    regex: climbsInto('cli', 'callback-hell', 'runner', 'verify', 'learner'),
    message:
      'Folder boundary: src/kata (the kata format: metadata schema and loader, catalog, the learner\'s files) imports no ' +
      'CLI, callback-hell, runner, verify or learner code. They all read the kata format, so an import back up makes a cycle: put what the ' +
      'format needs in src/kata (as the check settings schema is, in src/kata/check-settings.ts).',
  },
  'callback-hell': {
    regex: climbsInto('cli', 'learner', 'runner', 'verify'),
    message:
      'Folder boundary: src/callback-hell (the callback-hell check: ESLint rules, scorecard, pyramid) imports no CLI, learner, ' +
      'runner or verify code. The CLI, the verifier and the scripts call the check; it returns results and formatted lines and ' +
      'the caller prints them. Shared terminal styling is in src/terminal/style.ts.',
  },
  runner: {
    regex: climbsInto('cli', 'learner', 'verify', 'callback-hell'),
    message:
      'Folder boundary: src/runner (runs a kata\'s tests, once or in watch mode, and returns the results as data) imports no ' +
      'CLI, learner, verify or callback-hell code. A run goes one way: run (here) -> verdict and record (src/learner) -> ' +
      'present (src/cli); a runner that reached back up would tangle them again.',
  },
  learner: {
    regex: climbsInto('cli', 'verify'),
    message:
      'Folder boundary: src/learner (the learner\'s state: progress, steps, hints, the verdict of a run) imports no CLI or ' +
      'verify code. It turns results into a verdict and records it; presenting it (terminal, --json) is the CLI\'s job.',
  },
  dojo: {
    regex: climbsInto('cli', 'verify'),
    message:
      'Folder boundary: src/dojo (the dojo: run journal, timebox, report, the board and its client) imports no CLI or ' +
      'verify code. The `kata dojo` and `kata board` commands in src/cli present it.',
  },
  terminal: {
    regex: climbsInto('cli', 'runner', 'verify', 'callback-hell', 'kata', 'harness', 'learner', 'dojo'),
    message:
      'Folder boundary: src/terminal (terminal styling and output shared by every folder) imports no other library folder: ' +
      'every folder may use it, so it depends on none of them.',
  },
};
// esquery reads a regex up to its first "/": spell the slashes as \u002F in a selector.
const asSelectorRegex = (regex) => regex.replaceAll('/', '\\u002F');
const boundaryRules = (patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
  'no-restricted-syntax': [
    'error',
    ...patterns.map(({ regex, message }) => ({
      selector: `:matches(CallExpression[callee.name="require"], ImportExpression) > Literal[value=/${asSelectorRegex(regex)}/]`,
      message,
    })),
  ],
});

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
      // Sync fs is fine in a CLI and its tests; n/no-sync is for the katas' code (src/callback-hell/).
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
  // Folder boundaries: a later block's options replace an earlier one's, so each folder's block
  // repeats the rule for all of src/.
  { files: ['src/**'], rules: boundaryRules([KATAS]) },
  ...Object.entries(BOUNDARIES).map(([folder, rule]) => ({ files: [`src/${folder}/**`], rules: boundaryRules([rule, KATAS]) })),
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
