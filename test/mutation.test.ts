/**
 * The kata authors' lists of equivalent mutants (.meta/equivalent-mutants.json), read by
 * `npm run mutation`: well-formed, and each entry still pointing at a line of the reference.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const { equivalents, summarize, kataNames } = require('../scripts/mutation.js') as {
  equivalents: (kata: string, katas?: string) => Record<string, string>;
  summarize: (kata: string, results: unknown[]) => { score: number; equivalent: number; survivors: Array<{ key: string; equivalent?: string }> };
  kataNames: () => string[];
};

describe('mutation testing: the equivalent mutants each kata lists', () => {
  for (const kata of kataNames()) {
    it(`${kata}: each listed mutant names a line with code in the reference, and says why`, () => {
      for (const [key, why] of Object.entries(equivalents(kata))) {
        const [, file, line] = /^(.+):(\d+):\w+$/.exec(key)!;
        const source = path.join(ROOT, 'katas', kata, file!);
        expect(fs.existsSync(source), `${key}: no file ${file} in katas/${kata}`).to.equal(true);
        const text = fs.readFileSync(source, 'utf8').split('\n')[Number(line) - 1];
        expect(text?.trim(), `${key}: line ${line} of ${file} is empty or past the end: the reference moved, update the key`).to.not.equal('');
        expect(why.length, `${key}: say in a sentence why no test can tell it apart`).to.be.greaterThan(10);
      }
    });
  }

  it('a survivor listed as equivalent is left out of the score; one not listed counts against it', () => {
    const at = (line: number, status: string) => ({ status, fileName: path.join('katas', 'config-loader', '.meta', 'solution', 'config-loader.ts'), location: { start: { line, column: 1 } }, mutatorName: 'StringLiteral', replacement: '""' });
    const listed = Object.keys(equivalents('config-loader')).find((k) => k.endsWith(':StringLiteral'))!;
    const listedLine = Number(listed.split(':').at(-2));
    const row = summarize('config-loader', [at(1, 'Killed'), at(2, 'Killed'), at(listedLine, 'Survived'), at(9999, 'Survived')]);
    expect(row.equivalent).to.equal(1);
    expect(row.survivors.map((s) => Boolean(s.equivalent))).to.deep.equal([true, false]);
    expect(row.score, '2 killed out of 4 mutants, one of them equivalent').to.equal(66.7);
  });

  it('a malformed list is an error that names the file and the shape it should have', () => {
    const katas = fs.mkdtempSync(path.join(os.tmpdir(), 'kata-mutants-'));
    try {
      const file = path.join(katas, 'some-kata', '.meta', 'equivalent-mutants.json');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify({ mutants: { 'no line here': 'a reason long enough' } }));
      expect(() => equivalents('some-kata', katas)).to.throw(/equivalent-mutants\.json: "no line here" is not a "<file>:<line>:<mutator>" key/);
      fs.writeFileSync(file, '{ "mutants": ');
      expect(() => equivalents('some-kata', katas)).to.throw(/is not valid JSON .*"mutants"/);
      fs.writeFileSync(file, JSON.stringify({ mutants: { 'a.ts:3:StringLiteral': 'a reason long enough' } }));
      expect(equivalents('some-kata', katas)).to.deep.equal({ 'a.ts:3:StringLiteral': 'a reason long enough' });
    } finally {
      fs.rmSync(katas, { recursive: true, force: true });
    }
  });
});
