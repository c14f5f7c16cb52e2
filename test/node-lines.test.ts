/**
 * The Node lines the library claims are the lines the matrix proves (scripts/node-lines.js, run by
 * CI after npm test): package.json's engines field and the README say exactly those.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';

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
