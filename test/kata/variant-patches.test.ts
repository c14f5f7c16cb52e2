/**
 * Small wrong refactorings kept as patches against the reference: applied for a run, checked by
 * the verifier, and an error that says what to do when the reference has moved under them.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { KataFormatError } from '../../src/kata/errors';
import { hasPatches, makeVariantPatch, materializeVariant } from '../../src/kata/variant-patches';
import { useTempDir } from '../../src/harness/temp-dir';
import { KATA, keepOneWrong, makeSandbox, type Sandbox } from '../cli/sandbox';

const REFERENCE = ['export function next(queue: string[]): string | undefined {', '  return queue.shift();', '}', ''].join('\n');
const MISTAKE = REFERENCE.replace('queue.shift()', 'queue.pop()');

describe('variant patches', () => {
  const tmp = useTempDir();
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(tmp.file(rel)), { recursive: true });
    fs.writeFileSync(tmp.file(rel), text);
  };

  it('a patch is applied to the file of the same name in the layer under it; whole files are kept', () => {
    write('reference/queue.ts', REFERENCE);
    write('variant/queue.ts.patch', makeVariantPatch('queue.ts', REFERENCE, MISTAKE));
    write('variant/extra.ts', 'export const extra = 1;\n');
    expect(hasPatches(tmp.file('variant'))).to.equal(true);
    const m = materializeVariant(tmp.file('variant'), tmp.file('reference'));
    try {
      expect(fs.readFileSync(path.join(m.dir, 'queue.ts'), 'utf8')).to.equal(MISTAKE);
      expect(fs.readFileSync(path.join(m.dir, 'extra.ts'), 'utf8')).to.equal('export const extra = 1;\n');
      expect(fs.existsSync(path.join(m.dir, 'queue.ts.patch'))).to.equal(false);
    } finally {
      m.dispose();
    }
    expect(fs.existsSync(m.dir)).to.equal(false);
  });

  it('a folder without patches is used as it is', () => {
    write('variant/queue.ts', MISTAKE);
    expect(materializeVariant(tmp.file('variant'), tmp.file('reference')).dir).to.equal(tmp.file('variant'));
  });

  it('a patch that no longer applies names itself, the file, and what to do', () => {
    write('reference/queue.ts', REFERENCE.replace('return queue.shift();', 'const item = queue.shift();\n  return item;'));
    write('variant/queue.ts.patch', makeVariantPatch('queue.ts', REFERENCE, MISTAKE));
    try {
      materializeVariant(tmp.file('variant'), tmp.file('reference'));
      expect.fail('the patch should not apply');
    } catch (err) {
      expect(err).to.be.instanceOf(KataFormatError);
      expect((err as KataFormatError).code).to.equal('KATA_PATCH_FAILED');
      expect((err as KataFormatError).problem).to.match(/^no longer applies to .*reference\/queue\.ts: the reference changed where the mistake is made\.$/);
      expect((err as KataFormatError).fix).to.include('node scripts/variant-patch.js <variant-folder>');
    }
  });
});

describe('variant patches in a kata: scripts/variant-patch.js and the verifier', function () {
  this.timeout(300_000);
  let box: Sandbox;
  before(() => {
    box = makeSandbox({ git: false });
    keepOneWrong(box, KATA);
  });
  after(() => box.remove());

  it('collapses a wrong refactoring to a patch that the verifier runs and checks, and expands it back byte for byte', async () => {
    const meta = JSON.parse(fs.readFileSync(box.file(KATA, 'kata.json'), 'utf8'));
    const wrong = meta.wrong[0].dir as string;
    const variant = box.file(KATA, wrong);
    const script = (...args: string[]) => execFileSync(process.execPath, [path.join(box.root, 'scripts', 'variant-patch.js'), ...args], { cwd: box.root, encoding: 'utf8' });
    // Whole files to start from, whichever way the kata keeps this variant.
    script(variant, '--expand');
    const files = fs.readdirSync(variant);
    const before = new Map(files.map((f) => [f, fs.readFileSync(path.join(variant, f), 'utf8')]));

    expect(script(variant)).to.match(/^wrote .*\.ts\.patch$/m);
    expect(fs.readdirSync(variant).every((f) => f.endsWith('.patch'))).to.equal(true);
    const verified = await box.kata(['verify', KATA, '--only', 'wrong']);
    expect(verified.code, verified.stdout).to.equal(0);
    expect(verified.stdout).to.include(`wrong refactoring ${wrong}`);
    expect((await box.kata(['verify', KATA, '--only', 'format'])).stdout).to.not.include('patch');

    // The reference moves under the patch: the verifier says the patch no longer applies.
    const reference = box.file(KATA, meta.solution, files[0]!);
    const original = fs.readFileSync(reference, 'utf8');
    fs.writeFileSync(reference, original.split('\n').map((l) => `${l} `).join('\n'));
    const broken = await box.kata(['verify', KATA, '--only', 'format']);
    expect(broken.code).to.equal(1);
    expect(broken.stdout).to.include('no longer applies to');
    fs.writeFileSync(reference, original);

    // The type check sees the file the patch makes, and a type error in it.
    const typecheck = () => {
      try {
        return { code: 0, out: execFileSync(process.execPath, [path.join(box.root, 'scripts', 'typecheck.js')], { cwd: box.root, encoding: 'utf8' }) };
      } catch (err) {
        return { code: 1, out: String((err as { stdout?: string }).stdout) };
      }
    };
    expect(typecheck().out).to.match(/\(\d+ made from patches\), no errors\./);
    const planted = box.file(KATA, '.meta', 'wrong', 'zz-type-error');
    fs.mkdirSync(planted);
    const referenceText = fs.readFileSync(reference, 'utf8');
    fs.writeFileSync(path.join(planted, `${files[0]!}.patch`), makeVariantPatch(files[0]!, referenceText, `${referenceText}export const planted: number = 'not a number';\n`));
    const failed = typecheck();
    expect(failed.code).to.equal(1);
    expect(failed.out).to.include(`zz-type-error/${files[0]!}`).and.include("Type 'string' is not assignable to type 'number'");
    fs.rmSync(planted, { recursive: true });

    script(variant, '--expand');
    expect(new Map(fs.readdirSync(variant).map((f) => [f, fs.readFileSync(path.join(variant, f), 'utf8')]))).to.deep.equal(before);
  });
});
