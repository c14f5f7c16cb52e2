/**
 * The callback-hell check on a real kata: the config-loader starter (a callback pyramid) fails
 * it, its reference solution passes, and the kata's `check` settings decide which rules count.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stripVTControlCharacters } from 'node:util';

import { checkKata, filesToCheck } from '../../src/callback-hell/check-kata';
import { formatCheck } from '../../src/callback-hell/report-check';
import { findKata } from '../../src/kata/catalog';
import type { Kata } from '../../src/kata/metadata';
import { materializeVariant } from '../../src/kata/variant-patches';

/** The reference with its one mistake, readFileSync, as the kata keeps it (a whole file or a patch over the reference). */
function readFileSyncMistake(): string {
  const kata = findKata('config-loader');
  const variant = materializeVariant(path.join(kata.dir, '.meta/wrong/read-file-sync'), path.join(kata.dir, kata.meta.solution));
  try {
    return fs.readFileSync(path.join(variant.dir, 'config-loader.ts'), 'utf8');
  } finally {
    variant.dispose();
  }
}

describe('callback-hell check on config-loader', function () {
  // Building the TypeScript program for the type-aware rules takes a second or two.
  this.timeout(60_000);
  const kata = findKata('config-loader');

  it('fails the starter, with a callback pyramid at least 4 deep in the scorecard', async () => {
    const result = await checkKata(kata);
    expect(result.passed).to.equal(false);
    expect(result.scorecard.maxCallbackNesting).to.be.at.least(4);
    expect(result.scorecard.callbacks).to.be.greaterThan(0);
    const rules = new Set(result.findings.map((f) => f.rule));
    expect([...rules]).to.include.members(['max-nested-callbacks', 'promise/prefer-await-to-callbacks']);
    const first = result.findings[0]!;
    expect(first.file).to.equal('src/config-loader.ts');
    expect(first.line).to.be.a('number').greaterThan(0);
  });

  it('passes the reference solution, given as a folder mirroring the learner\'s files', async () => {
    const result = await checkKata(kata, { dir: kata.meta.solution });
    expect(result.findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).to.deep.equal([]);
    expect(result.passed).to.equal(true);
    expect(result.scorecard).to.include({ maxCallbackNesting: 1, callbacks: 0, thenChains: 0, syncCalls: 0, floatingPromises: 0 });
  });

  it('checks a folder outside the kata (a learner\'s attempt in a temp folder)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-attempt-'));
    try {
      fs.writeFileSync(path.join(dir, 'config-loader.ts'), readFileSyncMistake());
      const result = await checkKata(kata, { dir });
      expect(result.findings.map((f) => f.rule)).to.deep.equal(['n/no-sync']);
      expect(result.findings[0]!.file).to.equal(path.join(dir, 'config-loader.ts'));
      expect(result.scorecard.syncCalls).to.equal(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a finished callbackify shim keeps its callback parameter without a finding; a function that does more does not', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-shim-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'config-loader.ts'),
        [
          "import { readFile } from 'node:fs/promises';",
          "import * as util from 'node:util';",
          'export type Callback = (err: Error | null, text?: string) => void;',
          "async function loadAsync(file: string): Promise<string> { return readFile(file, 'utf8'); }",
          'export function loadConfig(file: string, callback: Callback): void {',
          '  util.callbackify(loadAsync)(file, callback);',
          '}',
          'export const loadArrow = (file: string, cb: Callback): void => util.callbackify(loadAsync)(file, cb);',
          'export function loadAndLog(file: string, callback: Callback): void {',
          '  console.log(file);',
          '  util.callbackify(loadAsync)(file, callback);',
          '}',
          '',
        ].join('\n'),
      );
      const result = await checkKata(kata, { dir });
      expect(result.findings.map((f) => `${f.line} ${f.rule}`)).to.deep.equal(['9 promise/prefer-await-to-callbacks']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists every finding: the first few in full, the rest by rule with their lines, and sync calls before the type-aware rules run', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-many-'));
    try {
      const pyramid = (n: number) =>
        [
          `export function load${n}(file: string, callback: (err: Error | null, text?: string) => void): void {`,
          "  fs.stat(file, (err) => { if (err) return callback(err); fs.readFile(file, 'utf8', (err2, text) => { if (err2) return callback(err2); fs.stat(file, () => callback(null, text)); }); });",
          '}',
        ].join('\n');
      fs.writeFileSync(
        path.join(dir, 'config-loader.ts'),
        ["import * as fs from 'node:fs';", 'export const raw = fs.readFileSync(__filename);', pyramid(1), pyramid(2), pyramid(3), ''].join('\n'),
      );
      const result = await checkKata(kata, { dir });
      expect(result.typedDeferred).to.equal(true);
      const text = formatCheck(result, 3).map((l) => stripVTControlCharacters(l));
      const rest = result.findings.slice(3);
      expect(rest.length).to.be.greaterThan(3);
      expect(text).to.include(`  ...and ${rest.length} more (npx kata shape explains each):`);
      for (const f of rest) expect(text.find((l) => l.startsWith(`    ${f.rule}: `)), f.rule).to.match(new RegExp(`${f.file.replaceAll('/', '\\/').replaceAll('.', '\\.')} lines? (\\d+, )*${f.line}\\b`));
      expect(text.some((l) => l.startsWith(`${path.join(dir, 'config-loader.ts')}:2  a synchronous call`))).to.equal(true);
      expect(result.scorecard.syncCalls).to.equal(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a rule the kata turns off is shown as allowed and does not fail the check', async () => {
    const meta = { ...kata.meta, check: { rules: { 'n/no-sync': 'off' as const } } };
    const relaxed: Kata = { ...kata, meta };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-relaxed-'));
    fs.writeFileSync(path.join(dir, 'config-loader.ts'), readFileSyncMistake());
    const result = await checkKata(relaxed, { dir }).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
    expect(result.passed).to.equal(true);
    expect(result.allowed.map((f) => f.rule)).to.deep.equal(['n/no-sync']);
    expect(result.rules).to.not.include('n/no-sync');
  });

  it('without the type-aware rules, still finds the pyramid and reports floating promises as not checked', async () => {
    const result = await checkKata(kata, { typed: false });
    expect(result.passed).to.equal(false);
    expect(result.scorecard.floatingPromises).to.equal(null);
    expect(result.rules.some((r) => r.startsWith('@typescript-eslint/'))).to.equal(false);
  });

  it('draws one bar per function, longer for deeper callbacks', async () => {
    const lines = formatCheck(await checkKata(kata, { typed: false })).map((l) => stripVTControlCharacters(l));
    const bar = (name: string) => lines.find((l) => l.includes(name))?.match(/[▒█]+/)?.[0].length ?? 0;
    expect(bar('callback to parents.forEach')).to.be.greaterThan(bar('callback to fs.readFile'));
    expect(lines.some((l) => l.startsWith('callback nesting 4'))).to.equal(true);
  });

  it('lists the mirrored files of a folder', () => {
    expect(filesToCheck(kata, { dir: '.meta/solution' })).to.deep.equal([path.join(kata.dir, '.meta/solution/config-loader.ts')]);
  });
});
