/**
 * The callback-hell check: lints a kata's implementation files with the rules the kata's
 * metadata selects, and measures their shape (the scorecard), so that a kata cannot go green
 * with the callback pyramid still in place.
 *
 * @example
 * const result = await checkKata(findKata('config-loader'));                // the learner's files
 * const ref = await checkKata(kata, { dir: '.meta/solution' });            // a folder mirroring them
 * result.passed; result.findings[0]; // { file: 'src/config-loader.ts', line: 31, rule: 'promise/prefer-await-to-callbacks', ... }
 */
import { ESLint, type Linter, type Rule } from 'eslint';
import callbackReturn from 'eslint-plugin-n/lib/rules/callback-return';
import handleCallbackErr from 'eslint-plugin-n/lib/rules/handle-callback-err';
import noSync from 'eslint-plugin-n/lib/rules/no-sync';
import promisePlugin from 'eslint-plugin-promise';
import * as fs from 'node:fs';
import * as path from 'node:path';
import tseslint from 'typescript-eslint';
import * as ts from 'typescript';

import { REPO_ROOT } from '../kata/catalog';
import type { Kata } from '../kata/metadata';
import { filesToCheck } from './checked-files';
import { isCheckRule, RULE_CATALOG, RULE_NAMES } from './rule-catalog';
import { kataPlugin } from './rules';
import { allowCallbackifyShim } from './rules/allow-callbackify-shim';
import { type FileShape, type FunctionShape, scorecardRule } from './scorecard';


export interface CheckOptions {
  /**
   * A folder of implementation files mirroring the learner's `files` (absolute, or relative to
   * the kata folder), such as `.meta/solution`. Default: the learner's own files.
   */
  dir?: string;
  /** Exactly these files instead (absolute, or relative to the kata folder). Wins over `dir`. */
  files?: string[];
  /** Run the rules that need the type checker. Default true. */
  typed?: boolean;
}

export interface Finding {
  /** Relative to the kata folder when inside it, else absolute. */
  file: string;
  line: number;
  column: number;
  rule: string;
  /** What to do about it, in the learner's terms. */
  message: string;
  /** The rule's own message, for reviewers. */
  detail: string;
}

export interface Scorecard {
  maxCallbackNesting: number;
  callbacks: number;
  thenChains: number;
  syncCalls: number;
  /** Null when the type-aware rules did not run. */
  floatingPromises: number | null;
  lines: number;
}

export interface CheckedFile {
  file: string;
  shape: FileShape;
}

export interface CheckResult {
  /** True when no finding of a rule the kata selects remains. */
  passed: boolean;
  findings: Finding[];
  /** Findings of rules this kata turns off: shown, but they do not fail the check. */
  allowed: Finding[];
  scorecard: Scorecard;
  files: CheckedFile[];
  /** The rules that decide `passed`. */
  rules: string[];
  typed: boolean;
  /** The type-aware rules were not run yet: they run once every other rule passes. */
  typedDeferred: boolean;
}

export { filesToCheck } from './checked-files';

export async function checkKata(kata: Kata, options: CheckOptions = {}): Promise<CheckResult> {
  const files = filesToCheck(kata, options);
  for (const file of files) {
    if (!fs.existsSync(file)) throw new Error(`Expected a file to check at ${file}, but there is none.`);
  }
  if (options.typed === false) return lint(kata, files, false);
  // The type-aware rules need a TypeScript program of the files and @types/node: about a second.
  // Like a compiler reporting syntax errors before type errors, they run once the others pass;
  // until then the learner has a pyramid to flatten first, and gets the answer fast.
  const quick = await lint(kata, files, false);
  return quick.passed ? lint(kata, files, true) : { ...quick, typedDeferred: true };
}

/** eslint-plugin-promise, with its callback-parameter rule letting a callbackify shim keep its old signature. */
const promiseRules: ESLint.Plugin = {
  ...promisePlugin,
  rules: {
    ...promisePlugin.rules,
    'prefer-await-to-callbacks': allowCallbackifyShim(promisePlugin.rules!['prefer-await-to-callbacks'] as Rule.RuleModule),
  },
};

/** The eslint-plugin-n rules the catalog uses: the whole plugin takes about 180 ms to load. */
const nPlugin: ESLint.Plugin = { rules: { 'no-sync': noSync, 'callback-return': callbackReturn, 'handle-callback-err': handleCallbackErr } };

async function lint(kata: Kata, files: string[], typed: boolean): Promise<CheckResult> {
  const settings = kata.meta.check;
  const selected = RULE_NAMES.filter((r) => settings.rules[r] !== 'off' && (typed || !RULE_CATALOG[r]!.typed));
  const rules: Linter.RulesRecord = { 'scorecard/shape': 'error' };
  for (const name of RULE_NAMES) {
    if (!typed && RULE_CATALOG[name]!.typed) continue;
    const own = settings.rules[name];
    // A rule the kata turns off still runs: its findings are shown as allowed.
    rules[name] = own === undefined || own === 'off' ? RULE_CATALOG[name]!.setting : (own as Linter.RuleEntry);
  }

  const shapes = new Map<string, FileShape>();
  const eslint = new ESLint({
    cwd: commonDir(files),
    overrideConfigFile: true,
    ignore: false, // the reference lives under .meta/, which ESLint would skip as a dot-folder
    overrideConfig: [
      {
        files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
        languageOptions: {
          parser: tseslint.parser as Linter.Parser,
          sourceType: 'module',
          parserOptions: typed ? { programs: [programFor(files)] } : {},
        },
        linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'off' },
        plugins: {
          promise: promiseRules,
          n: nPlugin,
          '@typescript-eslint': tseslint.plugin as ESLint.Plugin,
          kata: kataPlugin,
          scorecard: { rules: { shape: scorecardRule((file, shape) => shapes.set(path.resolve(file), shape)) } },
        },
        rules,
      },
    ],
  });
  const results = await eslint.lintFiles(files);

  const findings: Finding[] = [];
  const allowed: Finding[] = [];
  let floatingPromises = 0;
  for (const result of results) {
    const lines = fs.readFileSync(result.filePath, 'utf8').split('\n');
    for (const m of result.messages) {
      const rule = m.ruleId ?? 'parse';
      if (rule === '@typescript-eslint/no-floating-promises') floatingPromises++;
      const text = lines[m.line - 1]?.slice(m.column - 1) ?? '';
      const entry = isCheckRule(rule) ? RULE_CATALOG[rule] : undefined;
      const finding: Finding = {
        file: shown(kata, result.filePath),
        line: m.line,
        column: m.column,
        rule,
        message: entry ? entry.explain({ text, eslint: m.message, messageId: m.messageId }) : `this file cannot be checked: ${m.message}`,
        detail: m.message,
      };
      (m.ruleId && !(selected as readonly string[]).includes(m.ruleId) ? allowed : findings).push(finding);
    }
  }

  const checked = files.map((f) => ({ file: shown(kata, f), shape: shapes.get(f) ?? emptyShape() }));
  const scorecard: Scorecard = {
    maxCallbackNesting: Math.max(0, ...checked.map((c) => c.shape.maxCallbackNesting)),
    callbacks: sum(checked, 'callbacks'),
    thenChains: sum(checked, 'thenChains'),
    syncCalls: sum(checked, 'syncCalls'),
    floatingPromises: typed ? floatingPromises : null,
    lines: sum(checked, 'lines'),
  };
  return { passed: findings.length === 0, findings, allowed, scorecard, files: checked, rules: selected, typed, typedDeferred: false };
}

/**
 * A TypeScript program of just the checked files (and what they import), with the library's
 * compiler options: the type-aware rules need one, and the files may sit outside any tsconfig
 * (a reference solution under .meta/, a learner's attempt in a temp folder).
 */
function programFor(files: string[]): ts.Program {
  const configFile = path.join(REPO_ROOT, 'tsconfig.json');
  const { config } = ts.readConfigFile(configFile, (f) => ts.sys.readFile(f)) as { config: unknown };
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, REPO_ROOT, undefined, configFile);
  // Found from the library, not from the files: a temp folder has no node_modules above it.
  return ts.createProgram(files, { ...options, types: ['node'], typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')], noEmit: true });
}

function commonDir(files: string[]): string {
  let dir = path.dirname(files[0]!);
  while (!files.every((f) => f.startsWith(dir + path.sep))) dir = path.dirname(dir);
  return dir;
}

function shown(kata: Kata, file: string): string {
  const rel = path.relative(kata.dir, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

function sum(files: CheckedFile[], key: 'callbacks' | 'thenChains' | 'syncCalls' | 'lines'): number {
  return files.reduce((n, f) => n + f.shape[key], 0);
}

function emptyShape(): FileShape {
  return { functions: [] as FunctionShape[], maxCallbackNesting: 0, callbacks: 0, thenChains: 0, syncCalls: 0, syncCallLines: [] as number[], lines: 0 };
}
