/**
 * The review answer key as data: parsed from the markdown table authors write, and checked
 * against the starter, so a key that drifts from the code fails the verifier.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { KATAS_DIR } from '../../src/kata/catalog';
import { loadKata } from '../../src/kata/metadata';
import { namesTest, parseLines, parseReviewKey, reviewKeyProblems } from '../../src/kata/review-key';
import { useTempDir } from '../../src/harness/temp-dir';

describe('review answer keys', () => {
  it('reads line references as authors write them: ranges, lists, asides, and file names for several files', () => {
    const files = ['src/worker-pool.ts', 'src/pool-worker.ts'];
    const lines = (text: string) => parseLines(text, files).map((l) => `${path.basename(l.file)}:${l.line}`);
    expect(lines('46, 85 (and 62-63)')).to.deep.equal(['worker-pool.ts:46', 'worker-pool.ts:85', 'worker-pool.ts:62', 'worker-pool.ts:63']);
    expect(lines('worker-pool.ts 57-58; pool-worker.ts 19')).to.deep.equal(['worker-pool.ts:57', 'worker-pool.ts:58', 'pool-worker.ts:19']);
    expect(lines("72 (the `'end'` listener of `Buffer.alloc(16)`)")).to.deep.equal(['worker-pool.ts:72']);
    expect(lines('the whole API')).to.deep.equal([]);
  });

  it('an abbreviated test title names the full one: "defects:" for the suite, "..." for words left out', () => {
    const full = 'config-loader defects: what the legacy version gets wrong a missing file calls back once, with ENOENT';
    expect(namesTest('defects: a missing file calls back once, with ENOENT', full)).to.equal(true);
    expect(namesTest('defects: a missing file ... ENOENT', full)).to.equal(true);
    expect(namesTest('promise API: a missing file calls back once', full)).to.equal(false);
    expect(namesTest('defects: ENOENT ... a missing file', full)).to.equal(false);
  });

  describe('checked against the starter', () => {
    const tmp = useTempDir('review-key-');
    let dir: string;
    beforeEach(() => {
      dir = tmp.file('config-loader');
      fs.cpSync(path.join(KATAS_DIR, 'config-loader'), dir, { recursive: true });
    });
    const keyOf = () => fs.readFileSync(path.join(dir, '.meta', 'review.md'), 'utf8');
    const rowD1 = (text: string) => text.split('\n').find((l) => l.startsWith('| D1 |'))!;

    it('the shipped key fits the starter', () => {
      const kata = loadKata(dir);
      expect(parseReviewKey(keyOf(), kata.meta.files).defects.length).to.be.greaterThan(2);
      expect(reviewKeyProblems(kata)).to.deep.equal([]);
    });

    it('a defect whose lines no longer hold the code it names, or point past the end of the file', () => {
      const kata = loadKata(dir);
      const d1 = parseReviewKey(keyOf(), kata.meta.files).defects[0]!;
      expect(d1.code.length, 'D1 names code in backticks').to.be.greaterThan(0);
      // The starter gains lines above the defect: the key now points at the wrong code.
      const file = path.join(dir, kata.meta.files[0]!);
      fs.writeFileSync(file, '\n'.repeat(40) + fs.readFileSync(file, 'utf8'));
      expect(reviewKeyProblems(kata).some((p) => p.startsWith(`.meta/review.md D1 names ${d1.code.map((c) => `\`${c}\``).join(', ')}, but none of it is on lines ${d1.linesText}`))).to.equal(true);
      const cells = rowD1(keyOf()).split('|');
      cells[3] = ' 9999 ';
      fs.writeFileSync(path.join(dir, '.meta', 'review.md'), keyOf().replace(rowD1(keyOf()), cells.join('|')));
      expect(reviewKeyProblems(kata).some((p) => /^\.meta\/review\.md D1 points at line 9999 of src\/config-loader\.ts, which has \d+ lines/.test(p))).to.equal(true);
    });

    it('a defect no failing test exposes, and a key with no defect table', () => {
      const kata = loadKata(dir);
      const cells = rowD1(keyOf()).split('|');
      cells[5] = ' *defects: a test that does not exist* ';
      fs.writeFileSync(path.join(dir, '.meta', 'review.md'), keyOf().replace(rowD1(keyOf()), cells.join('|')));
      expect(reviewKeyProblems(kata)).to.include('.meta/review.md D1: no test that fails on the starter matches "Exposed by" ("defects: a test that does not exist"). Name the test in italics, "suite: title", with "..." for words left out.');
      fs.writeFileSync(path.join(dir, '.meta', 'review.md'), '# key\n\nNothing here.\n');
      expect(reviewKeyProblems(kata)[0]).to.match(/^\.meta\/review\.md has no defect rows/);
    });
  });
});
