/**
 * The folder boundaries in eslint.config.mjs: a file planted in each folder (linted as text, never
 * written) that breaks each rule gets that rule's message, in every form an import can take; a
 * legal import passes. The planted files are linted with the library's own config, as
 * `npm run lint` does, less type information: TypeScript's project service knows only files on
 * disk, and the boundary rules read the import as written, not its types.
 */
import * as path from 'node:path';

import { expect } from 'chai';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const ROOT = path.resolve(__dirname, '..');

/** Each rule's statement (the start of its message) and a phrase from its reason. */
const RULES = {
  harness: ['Folder boundary: src/harness (the test kit kata tests stand on) imports no CLI, runner, verify, callback-hell, kata or learner code.', 'must stay a leaf'],
  kata: ['Folder boundary: src/kata (the kata format: metadata schema and loader, catalog, the learner\'s files) imports no CLI, callback-hell, runner, verify or learner code.', 'makes a cycle'],
  'callback-hell': ['Folder boundary: src/callback-hell (the callback-hell check: ESLint rules, scorecard, pyramid) imports no CLI, learner, runner or verify code.', 'the caller prints them'],
  runner: ['Folder boundary: src/runner (runs a kata\'s tests, once or in watch mode, and returns the results as data) imports no CLI, learner, verify or callback-hell code.', 'run (here) -> verdict and record (src/learner) -> present (src/cli)'],
  dojo: ['Folder boundary: src/dojo (the dojo: run journal, timebox, report, the board and its client) imports no CLI or verify code.', 'present it'],
  learner: ['Folder boundary: src/learner (the learner\'s state: progress, steps, hints, the verdict of a run) imports no CLI or verify code.', 'presenting it (terminal, --json) is the CLI\'s job'],
  terminal: ['Folder boundary: src/terminal (terminal styling and output shared by every folder) imports no other library folder:', 'depends on none of them'],
  katas: ['Folder boundary: nothing in src/ imports from katas/.', 'knows no particular kata'],
} as const;
type RuleName = keyof typeof RULES;

const BOUNDARY_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

/** `file` is relative to the repository; `target` is the module path as the planted file writes it. */
const breaches: Array<{ file: string; target: string; rule: RuleName }> = [
  ...['cli/output', 'runner/run-kata', 'verify/verify-kata', 'callback-hell/check-kata', 'kata/metadata', 'kata', 'learner/progress'].map((t) => ({
    file: 'src/harness/planted.ts',
    target: `../${t}`,
    rule: 'harness' as const,
  })),
  { file: 'src/harness/messages/planted.ts', target: '../../cli/output', rule: 'harness' },
  ...['cli/output', 'callback-hell/rule-catalog', 'runner/run-kata', 'verify/verify-kata', 'learner/steps'].map((t) => ({
    file: 'src/kata/planted.ts',
    target: `../${t}`,
    rule: 'kata' as const,
  })),
  ...['cli/output', 'learner/progress', 'runner/run-kata', 'verify/verify-kata'].map((t) => ({
    file: 'src/callback-hell/planted.ts',
    target: `../${t}`,
    rule: 'callback-hell' as const,
  })),
  { file: 'src/callback-hell/rules/planted.ts', target: '../../cli/commands/check', rule: 'callback-hell' },
  ...['cli/summary', 'learner/record-run', 'verify/verify-kata', 'callback-hell/check-kata'].map((t) => ({
    file: 'src/runner/planted.ts',
    target: `../${t}`,
    rule: 'runner' as const,
  })),
  { file: 'src/runner/watch/planted.ts', target: '../../cli/output', rule: 'runner' },
  ...['cli/summary', 'cli/output', 'verify/verify-kata'].map((t) => ({
    file: 'src/learner/planted.ts',
    target: `../${t}`,
    rule: 'learner' as const,
  })),
  ...['cli/output', 'verify/verify-kata'].map((t) => ({
    file: 'src/dojo/planted.ts',
    target: `../${t}`,
    rule: 'dojo' as const,
  })),
  ...['cli/output', 'callback-hell/report-check', 'kata/metadata', 'harness', 'learner/progress', 'dojo/journal'].map((t) => ({
    file: 'src/terminal/planted.ts',
    target: `../${t}`,
    rule: 'terminal' as const,
  })),
  // Every folder: a later config block replaces an earlier one's options, so each must keep this rule.
  ...['harness', 'kata', 'callback-hell', 'terminal', 'cli', 'runner', 'verify', 'learner', 'dojo'].flatMap((folder) => [
    { file: `src/${folder}/planted.ts`, target: '../../katas/config-loader/src/config-loader', rule: 'katas' as const },
    { file: `src/${folder}/planted.ts`, target: '@callback-katas/config-loader', rule: 'katas' as const },
  ]),
  { file: 'src/cli/commands/planted.ts', target: '../../../katas/hash-server/.meta/solution/hash-server', rule: 'katas' },
];

/** The ways a file can import a module; each must be caught. */
const forms: Array<[string, (target: string) => string]> = [
  ['import', (t) => `import { thing } from '${t}';\nexport { thing };\n`],
  ['import type', (t) => `import type { Thing } from '${t}';\nexport type { Thing };\n`],
  ['export from', (t) => `export * from '${t}';\n`],
  ['require()', (t) => `export const lazy = require('${t}') as unknown;\n`],
  ['import = require()', (t) => `import lazy = require('${t}');\nexport { lazy };\n`],
  ['import()', (t) => `export const later = import('${t}');\n`],
];

/** Imports each folder may make: they must lint with no message at all. */
const legal: Array<{ file: string; code: string }> = [
  { file: 'src/harness/planted.ts', code: "export { fsFaults } from './fs-faults';\nexport { color } from '../terminal/style';\n" },
  { file: 'src/kata/planted.ts', code: "export { KataFormatError } from './errors';\nexport { KataCheckSchema } from './check-settings';\n" },
  {
    file: 'src/callback-hell/planted.ts',
    code: "export { color } from '../terminal/style';\nexport type { Kata } from '../kata/metadata';\nexport { REPO_ROOT } from '../kata/catalog';\n",
  },
  { file: 'src/callback-hell/rules/planted.ts', code: "export { mirrorPath } from '../../kata/metadata';\n" },
  { file: 'src/runner/planted.ts', code: "export { loadKata } from '../kata/metadata';\nexport { learnerFiles } from '../kata/learner-files';\nexport { say } from '../terminal/output';\n" },
  { file: 'src/learner/planted.ts', code: "export { runKata } from '../runner/run-kata';\nexport { loadKata } from '../kata/metadata';\nexport { color } from '../terminal/style';\n" },
  {
    file: 'src/cli/planted.ts',
    code:
      "export { checkKata } from '../callback-hell/check-kata';\nexport { runKata } from '../runner/run-kata';\n" +
      "export { verifyKata } from '../verify/verify-kata';\nexport type { Kata } from '../kata/metadata';\nexport { summarize } from '../learner/verdict';\n",
  },
  { file: 'src/verify/planted.ts', code: "export { checkKata } from '../callback-hell/check-kata';\nexport { runKata } from '../runner/run-kata';\nexport { currentStep } from '../learner/steps';\n" },
  { file: 'src/dojo/planted.ts', code: "export type { RunSummary } from '../learner/verdict';\nexport { REPO_ROOT } from '../kata/catalog';\nexport { checkKata } from '../callback-hell/check-kata';\n" },
  { file: 'src/terminal/planted.ts', code: "export { default as pc } from 'picocolors';\n" },
];

describe('folder boundaries (eslint.config.mjs)', function () {
  // Loading the config and its plugins takes a few seconds on a busy machine.
  this.timeout(60_000);
  const eslint = new ESLint({ cwd: ROOT, overrideConfig: tseslint.configs.disableTypeChecked });

  async function lint(file: string, code: string): Promise<Linter.LintMessage[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
    const fatal = result!.messages.filter((m) => m.fatal);
    expect(fatal, `${file} could not be linted`).to.deep.equal([]);
    return result!.messages;
  }

  for (const { file, target, rule } of breaches) {
    const [statement, reason] = RULES[rule];
    it(`${file}: '${target}' breaks the ${rule} rule, in every import form`, async () => {
      for (const [form, write] of forms) {
        const found = (await lint(file, write(target))).filter((m) => BOUNDARY_RULES.has(m.ruleId ?? ''));
        expect(found, `${form} '${target}' in ${file}`).to.have.length(1);
        expect(found[0]!.message, `${form} '${target}' in ${file}`).to.include(statement).and.to.include(reason);
      }
    });
  }

  for (const { file, code } of legal) {
    it(`${file}: a legal import passes`, async () => {
      expect(await lint(file, code)).to.deep.equal([]);
    });
  }
});
