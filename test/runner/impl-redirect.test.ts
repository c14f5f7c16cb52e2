/**
 * The implementation redirect layers folders of implementation files, for modules a test imports
 * and for the files a worker thread is started with: a variant holds only the files it changes.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import { TS_LOADER } from '../../src/runner/run-kata';
import { useTempDir } from '../../src/harness/temp-dir';

const REDIRECT = path.join(__dirname, '..', '..', 'src', 'runner', 'impl-redirect.ts');

// The learner's src/: pool.ts starts worker.ts by path (as the worker katas do) and imports ./label.
const pool = (tag: string) => `
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { label } from './label';
export function run(): Promise<string> {
  const worker = new Worker(path.join(__dirname, 'worker' + path.extname(__filename)));
  return new Promise((resolve, reject) => {
    worker.once('message', (m: string) => { void worker.terminate(); resolve(['${tag}', label, m].join(' ')); });
    worker.once('error', reject);
  });
}
`;
const worker = (tag: string) => `import { parentPort } from 'node:worker_threads';\nparentPort!.postMessage('${tag}');\n`;
const label = (tag: string) => `export const label = '${tag}';\n`;

describe('implementation redirect: layers, for imports and for worker files', function () {
  this.timeout(30_000);
  const temp = useTempDir();

  beforeEach(() =>
    temp.write({
      src: { 'pool.ts': pool('starter-pool'), 'worker.ts': worker('starter-worker'), 'label.ts': label('starter-label') },
      reference: { 'pool.ts': pool('reference-pool'), 'worker.ts': worker('reference-worker'), 'label.ts': label('reference-label') },
      'pool-only': { 'pool.ts': pool('variant-pool') },
      'worker-only': { 'worker.ts': worker('variant-worker') },
      'main.ts': "import { run } from './src/pool';\nrun().then((s) => console.log(s), (e) => { console.error(e); process.exitCode = 1; });\n",
    }),
  );

  const runWith = (layers: string[]) =>
    execFileSync(process.execPath, ['--require', TS_LOADER, '--require', REDIRECT, temp.file('main.ts')], {
      env: { ...process.env, KATA_SRC_ROOT: temp.file('src'), KATA_IMPL_DIRS: layers.map((l) => temp.file(l)).join(path.delimiter) },
      encoding: 'utf8',
    }).trim();

  it('a variant holding only the pool starts the worker file of the layer under it', () => {
    expect(runWith(['pool-only', 'reference'])).to.equal('variant-pool reference-label reference-worker');
  });

  it('a variant holding only the worker file has it started by the pool of the layer under it', () => {
    expect(runWith(['worker-only', 'reference'])).to.equal('reference-pool reference-label variant-worker');
  });

  it('the learner\'s own folder as the last layer: a snapshot holding only the pool uses the starter for the rest', () => {
    expect(runWith(['pool-only', 'src'])).to.equal('variant-pool starter-label starter-worker');
  });

  it('without layers, nothing is redirected', () => {
    const out = execFileSync(process.execPath, ['--require', TS_LOADER, '--require', REDIRECT, temp.file('main.ts')], { env: { ...process.env, KATA_SRC_ROOT: '', KATA_IMPL_DIRS: '' }, encoding: 'utf8' }).trim();
    expect(out).to.equal('starter-pool starter-label starter-worker');
  });
});
