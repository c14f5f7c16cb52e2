// What `kata test` and `kata try` say about a run, run for real on a sandbox: each case is a
// learner's file that used to get a useless or wrong report.
import { expect } from 'chai';
import * as fs from 'node:fs';

import { KATA, makeSandbox, type Sandbox } from './sandbox';

const PROMISES_LINE = /^export const promises = .*$/m;

describe('kata test and kata try: what a run reports', function () {
  this.timeout(600_000);
  let box: Sandbox;
  let solution: string;
  const source = () => box.file(KATA, 'src', 'config-loader.ts');
  /** The reference as the learner's file, with its `export const promises` line replaced; returns that line's number. */
  const saveWithPromises = (line: string): number => {
    const text = solution.replace(PROMISES_LINE, line);
    fs.writeFileSync(source(), text);
    return text.split('\n').indexOf(line) + 1;
  };

  before(() => {
    box = makeSandbox();
    solution = fs.readFileSync(box.file(KATA, '.meta', 'solution', 'config-loader.ts'), 'utf8');
    expect(solution, 'the reference has no `export const promises` line to change: update this test').to.match(PROMISES_LINE);
  });
  after(() => box.remove());
  afterEach(() => box.restore());

  it('process.exit(0) in the learner\'s code during a test: named, with its file and line and what to do, with and without coverage', async () => {
    const line = saveWithPromises('export const promises = { loadConfig: (file: string) => { process.exit(0); return loadConfigAsync(file); } };');
    for (const args of [['test', KATA], ['test', KATA, '--no-coverage']]) {
      const run = await box.kata(args);
      const what = `kata ${args.join(' ')}`;
      expect(run.code, what).to.equal(1);
      expect(run.stdout, what).not.to.include('(no output)');
      expect(run.stdout, what).to.match(/Your code called process\.exit\(0\) during the test "config-loader promise API: [^"]+": that ends the whole test process/);
      expect(run.stdout, what).to.include(`src/config-loader.ts:${line}:`).and.include('process.exit(0); return loadConfigAsync(file);');
      expect(run.stdout, what).to.include('Remove the process.exit() call');
    }
    const json = JSON.parse((await box.kata(['test', KATA, '--no-coverage', '--json'])).stdout);
    expect(json.crash).to.include({ file: 'src/config-loader.ts', line });
    expect(json.crash.message).to.match(/^process\.exit\(0\) was called during the test "/);
  });

  it('process.exit while the test files load: said so, with the line', async () => {
    fs.writeFileSync(source(), `${solution}\nprocess.exit(0);\n`);
    const run = await box.kata(['test', KATA, '--no-coverage']);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.include('Your code called process.exit(0) while the test files were loading').and.include(`src/config-loader.ts:${solution.split('\n').length + 1}:`);
  });
});
