/**
 * The metadata loader and the catalog lookups, on temp copies of the exemplar kata with one
 * defect each: every error must name the file, the field, and a fix a kata author can apply.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { closestNames, findKata, KATAS_DIR } from '../../src/kata/catalog';
import { KataFormatError, UnknownKataError } from '../../src/kata/errors';
import { loadKata, META_FILE } from '../../src/kata/metadata';
import { useTempDir } from '../../src/harness/temp-dir';

const EXEMPLAR = path.join(KATAS_DIR, 'config-loader');

/** kata.json as the tests edit it: loosely typed on purpose, to write what the schema forbids. */
type Json = { [key: string]: any };

/** The error loadKata threw, failing the test if it loaded. */
function loadError(dir: string): KataFormatError {
  try {
    loadKata(dir);
  } catch (err) {
    expect(err).to.be.instanceOf(KataFormatError);
    return err as KataFormatError;
  }
  return expect.fail(`loadKata(${dir}) should have thrown`);
}

describe('kata metadata: loadKata reports exactly what is wrong, where, and how to fix it', () => {
  const tmp = useTempDir('kata-meta-');
  let kataDir: string;
  let metaFile: string;
  const readMeta = (): Json => JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Json;
  const editMeta = (edit: (meta: Json) => void) => {
    const meta = readMeta();
    edit(meta);
    fs.writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  };

  beforeEach(() => {
    kataDir = tmp.file('config-loader');
    metaFile = path.join(kataDir, META_FILE);
    fs.cpSync(EXEMPLAR, kataDir, { recursive: true, filter: (src) => !/[\\/](node_modules|coverage)$/.test(src) });
  });

  it('loads the unchanged copy (the defects below are the only thing wrong)', () => {
    const kata = loadKata(kataDir);
    expect(kata.name).to.equal('config-loader');
    expect(kata.dir).to.equal(kataDir);
    expect(kata.metaFile).to.equal(metaFile);
    expect(kata.meta.track).to.equal('files');
  });

  it('fills in the defaults of optional fields', () => {
    editMeta((m) => {
      delete m.runTimeoutSeconds;
      delete m.alternatives;
    });
    const { meta } = loadKata(kataDir);
    expect(meta.runTimeoutSeconds).to.equal(60);
    expect(meta.alternatives).to.deep.equal([]);
  });

  describe('the requirements table', () => {
    const requirement = (meta: Json, over: Json = {}): Json => ({
      id: 'first-requirement',
      source: 'README.md',
      text: 'anything',
      tests: [meta.wrong[0].caughtBy[0]],
      wrong: [meta.wrong[0].dir],
      ...over,
    });

    it('a requirement naming a wrong refactoring that is not listed under "wrong"', () => {
      editMeta((m) => {
        m.requirements = [requirement(m, { wrong: ['.meta/wrong/not-there'] })];
      });
      const err = loadError(kataDir);
      expect(err.code).to.equal('KATA_REQUIREMENT_INVALID');
      expect(err.problem).to.equal('field "requirements[0].wrong[0]" names ".meta/wrong/not-there", which is not the "dir" of any entry in "wrong".');
    });

    it('a wrong refactoring none of the requirement\'s tests is declared to catch', () => {
      editMeta((m) => {
        m.requirements = [requirement(m, { tests: ['config-loader some test that catches nothing'] })];
      });
      const err = loadError(kataDir);
      expect(err.code).to.equal('KATA_REQUIREMENT_INVALID');
      expect(err.problem).to.match(/^requirement "first-requirement" says "\.meta\/wrong\/[\w-]+" breaks it, but none of its tests is in that wrong refactoring's "caughtBy"\.$/);
    });

    it('once there is a table, a wrong refactoring that breaks no requirement', () => {
      editMeta((m) => {
        m.requirements = [requirement(m)];
      });
      const meta = readMeta();
      expect(meta.wrong.length, 'the exemplar keeps several wrong refactorings').to.be.greaterThan(1);
      const err = loadError(kataDir);
      expect(err.code).to.equal('KATA_REQUIREMENT_INVALID');
      expect(err.problem).to.equal(`field "wrong[1]" ("${meta.wrong[1].dir}") breaks no requirement.`);
    });

    it('a table where every wrong refactoring breaks a requirement its tests catch loads', () => {
      editMeta((m) => {
        m.requirements = m.wrong.map((w: Json, i: number) => requirement(m, { id: `requirement-${i + 1}`, tests: [w.caughtBy[0]], wrong: [w.dir] }));
      });
      expect(loadKata(kataDir).meta.requirements).to.have.length(readMeta().wrong.length);
    });
  });

  it('each kind of format problem carries a code, so callers never branch on the wording', () => {
    const file = path.join(kataDir, readMeta().files[0]);
    fs.rmSync(file);
    expect(loadError(kataDir).code).to.equal('KATA_LEARNER_FILE_MISSING');
    fs.rmSync(metaFile);
    expect(loadError(kataDir).code).to.equal('KATA_META_UNREADABLE');
  });

  it('a missing kata.json: names the file, says it cannot be read, points at the template', () => {
    fs.rmSync(metaFile);
    const err = loadError(kataDir);
    expect(err.where).to.equal(metaFile);
    expect(err.problem).to.equal('cannot be read (ENOENT).');
    expect(err.fix).to.equal('every kata folder needs a kata.json; see docs/authoring-katas.md for a template.');
    expect(err.message).to.equal(`${err.where}: ${err.problem}\n  Fix: ${err.fix}`);
  });

  it('invalid JSON (a trailing comma in an object): names file:line:column of the error', () => {
    const text = fs.readFileSync(metaFile, 'utf8').replace('"order": 1,', '"order": 1,\n}');
    fs.writeFileSync(metaFile, text);
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l === '}') + 1;
    const err = loadError(kataDir);
    expect(err.where).to.equal(`${metaFile}:${line}:1`);
    expect(err.problem).to.match(/^is not valid JSON: .*position \d+\.$/);
    expect(err.fix).to.match(/trailing comma or a missing quote/);
  });

  it('invalid JSON (a trailing comma in an array): names file:line:column of the error', () => {
    const text = fs.readFileSync(metaFile, 'utf8').replace('"Error cause"\n', '"Error cause",\n');
    fs.writeFileSync(metaFile, text);
    const err = loadError(kataDir);
    expect(err.where).to.match(new RegExp(`^${metaFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+$`));
  });

  const schemaDefects: Array<{ defect: string; edit: (m: Json) => void; problem: string; fix: string | RegExp}> = [
    {
      defect: 'a missing field',
      edit: (m) => delete m.title,
      problem: 'field "title" is missing (expected string).',
      fix: 'see docs/authoring-katas.md for every field and an example.',
    },
    {
      defect: 'a field of the wrong type',
      edit: (m) => (m.level = '1'),
      problem: 'field "level" must be number, got string "1".',
      fix: 'levels run from 1 (first kata) to 4 (hardest).',
    },
    {
      defect: 'a nested field of the wrong type',
      edit: (m) => (m.coverage.lines = '100'),
      problem: 'field "coverage.lines" must be number, got string "100".',
      fix: /^give the gate as \{"lines": 100/,
    },
    {
      defect: 'an unknown key at the top level',
      edit: (m) => (m.colour = 'blue'),
      problem: 'field "(top level)" has unknown key(s) "colour".',
      fix: 'see docs/authoring-katas.md for every field and an example.',
    },
    {
      defect: 'an unknown key in a step',
      edit: (m) => (m.steps[1].hint = 'singular'),
      problem: 'field "steps[1]" has unknown key(s) "hint".',
      fix: /^each step needs an id, a title and at least one hint/,
    },
    {
      defect: 'a value outside an enum',
      edit: (m) => (m.track = 'filez'),
      problem: 'field "track" must be one of "files", "network", "worker-threads", "legacy-libraries".',
      fix: 'use the track the kata belongs to in CATALOG order.',
    },
    {
      defect: 'an empty wrong[]',
      edit: (m) => (m.wrong = []),
      problem: 'field "wrong" keep at least one known-wrong refactoring.',
      fix: /^each wrong refactoring needs "dir", "description" and "caughtBy"/,
    },
    {
      defect: 'a step id that is not kebab-case',
      edit: (m) => (m.steps[0].id = 'Pin It'),
      problem: 'field "steps[0].id" must be kebab-case, for example "promise-api".',
      fix: /^each step needs an id/,
    },
    {
      defect: 'an unknown rule in the callback-hell check settings',
      edit: (m) => (m.check = { rules: { 'no-callbacks-please': 'off' } }),
      problem: 'field "check.rules" has unknown key(s) "no-callbacks-please".',
      fix: '"check": {"rules": {...}} takes rule names from src/callback-hell/rule-catalog.ts, each "off", "error" or ["error", options].',
    },
    {
      defect: 'a path that climbs out of the kata folder',
      edit: (m) => (m.solution = '../other/.meta/solution'),
      problem: 'field "solution" must be a path relative to the kata folder, without "..".',
      fix: 'see docs/authoring-katas.md for every field and an example.',
    },
  ];
  for (const { defect, edit, problem, fix } of schemaDefects) {
    it(`${defect}: names the file, the field and a fix`, () => {
      editMeta(edit);
      const err = loadError(kataDir);
      expect(err.where).to.equal(metaFile);
      expect(err.problem).to.equal(problem);
      if (typeof fix === 'string') expect(err.fix).to.equal(fix);
      else expect(err.fix).to.match(fix);
    });
  }

  it('a learner file that does not exist: names the field and the path', () => {
    editMeta((m) => (m.files = ['src/config-loader.ts', 'src/missing.ts']));
    const err = loadError(kataDir);
    expect(err.where).to.equal(metaFile);
    expect(err.problem).to.equal('field "files[1]" names "src/missing.ts", which does not exist.');
    expect(err.fix).to.equal('create the file or correct the path.');
  });

  it('a wrong variant folder that does not exist: names the field and the path', () => {
    editMeta((m) => (m.wrong[2].dir = '.meta/wrong/nope'));
    const err = loadError(kataDir);
    expect(err.problem).to.equal('field "wrong[2].dir" names ".meta/wrong/nope", which does not exist.');
    expect(err.fix).to.equal('create the folder or correct the path.');
  });

  it('a review file that does not exist: names the field and the usual place', () => {
    fs.rmSync(path.join(kataDir, '.meta', 'review.md'));
    const err = loadError(kataDir);
    expect(err.problem).to.equal('field "review" names ".meta/review.md", which does not exist.');
    expect(err.fix).to.match(/usually \.meta\/review\.md/);
  });

  it('a duplicate in starterFailures: names both entries and says to remove one', () => {
    let first = '';
    let index = 0;
    editMeta((m) => {
      first = m.starterFailures[0];
      index = m.starterFailures.push(first) - 1;
    });
    const err = loadError(kataDir);
    expect(err.where).to.equal(metaFile);
    expect(err.problem).to.equal(`field "starterFailures[${index}]" repeats "${first}" from "starterFailures[0]".`);
    expect(err.fix).to.equal('each entry must be unique: remove the duplicate.');
  });

  it('a duplicate step id: names both steps', () => {
    editMeta((m) => (m.steps[2].id = m.steps[0].id));
    const err = loadError(kataDir);
    expect(err.problem).to.equal('field "steps[2].id" repeats "pin" from "steps[0].id".');
  });

  it('a solution without its mirror of a learner file: names the field and the file to add', () => {
    fs.rmSync(path.join(kataDir, '.meta', 'solution', 'config-loader.ts'));
    const err = loadError(kataDir);
    expect(err.where).to.equal(metaFile);
    expect(err.problem).to.match(/^field "files\[0\]" /);
    expect(err.problem).to.include('.meta/solution/config-loader.ts');
    expect(err.fix).to.equal('the reference solution mirrors every learner file: add .meta/solution/config-loader.ts.');
  });
});

describe('kata catalog: findKata and closestNames', () => {
  const tmp = useTempDir('kata-catalog-');
  let katasDir: string;
  beforeEach(() => {
    katasDir = tmp.file('katas');
    for (const name of ['config-loader', 'disk-usage']) {
      fs.cpSync(EXEMPLAR, path.join(katasDir, name), { recursive: true, filter: (src) => !/[\\/](node_modules|coverage)$/.test(src) });
    }
    fs.mkdirSync(path.join(katasDir, 'not-a-kata')); // no kata.json: not listed, not suggested
  });

  it('finds a kata by its folder name', () => {
    const kata = findKata('disk-usage', katasDir);
    expect(kata.name).to.equal('disk-usage');
    expect(kata.dir).to.equal(path.join(katasDir, 'disk-usage'));
  });

  it('finds a kata by a path inside its folder (a file or a subfolder)', () => {
    expect(findKata(path.join(katasDir, 'config-loader', 'src', 'config-loader.ts'), katasDir).name).to.equal('config-loader');
    expect(findKata(path.join(katasDir, 'disk-usage', 'test'), katasDir).name).to.equal('disk-usage');
    expect(findKata(path.join(katasDir, 'disk-usage'), katasDir).name).to.equal('disk-usage');
  });

  it('finds the real exemplar through a path relative to the current folder', () => {
    const rel = path.relative(process.cwd(), path.join(EXEMPLAR, 'src'));
    expect(findKata(rel).name).to.equal('config-loader');
  });

  it('answers a typo with "Did you mean" and the closest name', () => {
    let err: unknown;
    try {
      findKata('config-lodaer', katasDir);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(UnknownKataError);
    const unknown = err as UnknownKataError;
    expect(unknown.requested).to.equal('config-lodaer');
    expect(unknown.closest).to.deep.equal(['config-loader']);
    expect(unknown.message).to.equal('There is no kata named "config-lodaer". Did you mean "config-loader"? Run `npx kata list` to see them all.');
  });

  it('answers a name far from every kata without a suggestion', () => {
    expect(() => findKata('worker-pool', katasDir)).to.throw(UnknownKataError, /^There is no kata named "worker-pool"\. Run `npx kata list`/);
  });

  it('does not take a folder without kata.json for a kata', () => {
    expect(() => findKata('not-a-kata', katasDir)).to.throw(UnknownKataError);
  });

  it('reports a malformed kata it found as a format error, not as an unknown kata', () => {
    fs.rmSync(path.join(katasDir, 'disk-usage', '.meta', 'review.md'));
    expect(() => findKata('disk-usage', katasDir)).to.throw(KataFormatError, /field "review"/);
  });

  const names = ['config-loader', 'disk-usage', 'retry-fetch', 'worker-pool'];
  const cases: Array<[string, string[]]> = [
    ['config-lodaer', ['config-loader']],
    ['Config-Loader', ['config-loader']],
    ['disk-usag', ['disk-usage']],
    ['retry', ['retry-fetch']],
    ['worker-pool', ['worker-pool']],
    ['zzzzzz', []],
  ];
  for (const [wanted, expected] of cases) {
    it(`closestNames("${wanted}") gives ${JSON.stringify(expected)}`, () => {
      expect(closestNames(wanted, names)).to.deep.equal(expected);
    });
  }

  it('closestNames gives at most three names, closest first', () => {
    const many = ['kata-a', 'kata-bb', 'kata-c', 'kata-d', 'other'];
    const found = closestNames('kata-x', many);
    expect(found).to.have.lengthOf(3);
    expect(found[0]).to.match(/^kata-[acd]$/);
    expect(found).to.not.include('other');
  });
});
