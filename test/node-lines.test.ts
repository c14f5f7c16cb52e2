/**
 * The Node lines the library claims are the lines the matrix proves (scripts/node-lines.js, run by
 * CI after npm test): package.json's engines field and the README say exactly those.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { REPO_ROOT } from '../src/kata/catalog';

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; config: { nodeLines: string } };
const lines = pkg.config.nodeLines.split(/\s+/).filter(Boolean);

describe('supported Node lines', () => {
  it('the matrix proves one version of each line, oldest line first', () => {
    const majors = lines.map((l) => Number(l.split('.')[0]));
    expect(lines.every((l) => /^\d+\.\d+\.\d+$/.test(l)), `config.nodeLines: ${pkg.config.nodeLines}`).to.equal(true);
    expect(majors, 'one version per line, in order').to.deep.equal([...new Set(majors)].sort((a, b) => a - b));
  });

  it('package.json engines allows exactly the lines the matrix proves, from the version it proves', () => {
    expect(pkg.engines.node).to.equal(lines.map((l) => `^${l}`).join(' || '));
  });

  it('the README names each proved line', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const requires = readme.split('\n').find((l) => l.startsWith('Requires'));
    expect(requires, 'a "Requires" line in the README').to.be.a('string');
    for (const l of lines) expect(requires, `the README's Requires line names ${l}`).to.include(`${l.split('.').slice(0, 2).join('.')}+`);
  });
});

describe('the matrix and the soak read what kata verify --json prints', function () {
  // One real `kata verify --json` (the format claim only): a second or two idle, more when loaded.
  this.timeout(60_000);
  const { verdict } = require('../scripts/node-lines.js') as { verdict: (report: unknown) => { cell: string; failed: unknown[] } };
  const { verifyFailures } = require('../scripts/soak.js') as { verifyFailures: (reports: unknown[]) => Array<{ title: string; detail: string }> };
  type Report = { kata: string; claims: Array<{ kind: string; subject: string; problems: string[]; ms?: number; failures: Array<{ fullTitle: string; message?: string }> }> };
  let reports: Report[];

  before(async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'bin', 'kata.js'), 'verify', '--json', '--only', 'format', 'config-loader'], { cwd: REPO_ROOT });
    reports = JSON.parse(stdout) as Report[];
  });

  it('a kata whose claims all hold is a passed cell, and no failure for the soak', () => {
    expect(verdict(reports[0]).cell).to.match(/^✔ 1 claims, \d+ s$/);
    expect(reports[0]!.claims[0]).to.have.property('ms').that.is.a('number');
    expect(verifyFailures(reports)).to.deep.equal([]);
  });

  it('a failed claim is a failed cell, and the soak names the claim and, for the reference, each failed test', () => {
    const failed: Report = structuredClone(reports[0]!);
    failed.claims[0]!.kind = 'solution';
    failed.claims[0]!.problems = ['1 test failed'];
    failed.claims[0]!.failures = [{ fullTitle: 'loads a file', message: 'expected 1 to equal 2' }];
    expect(verdict(failed).cell).to.match(/^✘ 1 of 1, \d+ s$/);
    expect(verifyFailures([failed])).to.deep.equal([
      { title: 'claim config-loader: kata format', detail: '1 test failed' },
      { title: 'test config-loader: loads a file', detail: 'expected 1 to equal 2' },
    ]);
  });

  it('the soak\'s command line: N, and --kata to soak some katas, each checked against the katas there are', () => {
    const { options } = require('../scripts/soak.js') as { options: (argv: string[], env?: NodeJS.ProcessEnv) => { runs: number; suite: string; katas: string[] } };
    expect(options([], {})).to.include({ runs: 20, suite: 'verify' });
    expect(options(['3', '--kata', 'config-loader', '--kata', 'safe-save'], {})).to.deep.include({ runs: 3, katas: ['config-loader', 'safe-save'] });
    expect(() => options(['--kata', 'no-such-kata'], {})).to.throw(/--kata no-such-kata: no such kata; the katas are .*config-loader/);
    expect(() => options(['--suite', 'harness', '--kata', 'config-loader'], {})).to.throw(/harness suite has none/);
    expect(() => options(['0'], {})).to.throw(/positive integer/);
  });

  it('a report in another shape is an error that says so, not a crash deep in the script', () => {
    expect(() => verdict({ kata: 'x', checks: [] })).to.throw(/without its claims/);
    expect(() => verifyFailures([{ kata: 'x', checks: [] }])).to.throw(/without its claims/);
  });
});
