// The `kata` binary, run for real: help on every verb, and what a learner sees when they mistype.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';

import { cliEnv, KATA, makeSandbox, type Sandbox, SECOND_KATA } from './sandbox';

describe('kata: help, mistakes and no terminal', function () {
  // Each run starts Node and the CLI (a fraction of a second, more on a busy machine).
  this.timeout(300_000);
  let box: Sandbox;
  before(() => {
    box = makeSandbox();
  });
  after(() => box.remove());
  // Runs of a kata record progress: each test starts from none.
  afterEach(() => box.restore());

  it('kata --help lists every verb with a one-line description; each verb has --help of its own', async () => {
    const help = await box.kata(['--help']);
    expect(help.code).to.equal(0);
    const verbs = [...help.stdout.matchAll(/^ {2}([a-z]+) {2,}\S/gm)].map((m) => m[1]!);
    expect(verbs).to.include.members(['list', 'next', 'test', 'watch', 'hint', 'check', 'reset', 'solution', 'try', 'shape', 'verify']);
    for (const verb of verbs) {
      const own = await box.kata([verb, '--help']);
      expect(own.code, `kata ${verb} --help`).to.equal(0);
      expect(own.stdout, `kata ${verb} --help`).to.match(new RegExp(`^kata ${verb}: .+\\n\\nUsage: npx kata ${verb}\\b`));
    }
  });

  it('every command the CLI tells a learner to type is one that works in a fresh clone: npx kata …, never a bare kata', async () => {
    // `kata` is the library's own bin: npm puts it on no PATH, so a bare `kata watch …` is "command not found".
    const verbs = ['list', 'next', 'watch', 'test', 'hint', 'check', 'solution', 'reset', 'try', 'shape', 'verify'];
    const bare = new RegExp(`(?<!npx )\\bkata (?:(?:${verbs.join('|')})\\b|<command>)(?!:)`);
    const outputs: Array<[string, string]> = [];
    const look = async (args: string[]) => {
      const run = await box.kata(args);
      outputs.push([`kata ${args.join(' ')}`, run.stdout + run.stderr]);
      return run;
    };
    await look(['--help']);
    for (const verb of verbs) await look([verb, '--help']);
    await look(['tset']);
    const next = await look(['next']);
    await look(['list']);
    await look(['test', KATA, '--no-coverage']);
    await look(['hint', KATA]);
    await look(['solution', KATA]);
    // A kata author's mistake in kata.json: the fix it suggests names a command too.
    const meta = box.file(SECOND_KATA, 'kata.json');
    fs.writeFileSync(meta, JSON.stringify({ ...JSON.parse(fs.readFileSync(meta, 'utf8')), starterFailures: 'all of them' }));
    const broken = await look(['verify', SECOND_KATA]);
    expect(broken.stderr).to.include('npx kata verify <kata>');
    box.restore();
    const npm = await new Promise<string>((resolve) => execFile('npm', ['start', '--silent'], { cwd: box.root, env: cliEnv(), timeout: 120_000 }, (_err, stdout, stderr) => resolve(stdout + stderr)));
    outputs.push(['npm start', npm]);
    for (const [what, text] of outputs) {
      const line = text.split('\n').find((l) => bare.test(l));
      expect(line, `${what} tells the learner to type a bare \`kata\` command`).to.equal(undefined);
    }
    expect(npm).to.include(`Next: npx kata watch ${KATA}`);
    expect(outputs.find(([what]) => what === `kata test ${KATA} --no-coverage`)![1]).to.match(new RegExp(`Stuck\\? npx kata hint ${KATA} has`));

    // The command `kata next` gives does start the kata, run as printed from the library's folder.
    const start = /Start:\s+(npx kata watch \S+)/.exec(next.stdout)?.[1];
    expect(start, next.stdout).to.equal(`npx kata watch ${KATA}`);
    const [cmd, ...args] = `${start!} --help`.split(' ');
    const ran = await new Promise<{ code: number | null; stdout: string }>((resolve) =>
      execFile(cmd!, args, { cwd: box.root, env: cliEnv(), timeout: 120_000 }, (err, stdout) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout })),
    );
    expect(ran.code, ran.stdout).to.equal(0);
    expect(ran.stdout).to.include('kata watch: Run a kata');
  });

  it('an unknown verb is a usage error (exit 2) that lists the verbs', async () => {
    const run = await box.kata(['tset']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('unknown command "tset"').and.include('Usage: npx kata <command>');
  });

  it('an unknown option is a usage error that shows the verb\'s usage, not a stack trace', async () => {
    const run = await box.kata(['list', '--colour']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include("kata list: Unknown option '--colour'").and.include('Usage: npx kata list');
    expect(run.stderr).not.to.match(/^\s+at /m);
  });

  it('a misspelt kata name answers with the closest names, for every verb that takes one', async () => {
    for (const args of [['test', 'config-lodaer'], ['hint', 'config-lodaer'], ['watch', 'config-lodaer'], ['verify', 'config-lodaer']]) {
      const run = await box.kata(args);
      expect(run.code, args.join(' ')).to.equal(1);
      expect(run.stderr, args.join(' ')).to.include('There is no kata named "config-lodaer". Did you mean "config-loader"');
    }
  });

  it('a kata whose kata.json cannot be read is named with its fix, and the others are still listed (kata, list, next)', async () => {
    const meta = box.file(SECOND_KATA, 'kata.json');
    fs.writeFileSync(meta, JSON.stringify({ ...JSON.parse(fs.readFileSync(meta, 'utf8')), starterFailures: [] }));
    for (const args of [[], ['list'], ['next']]) {
      const run = await box.kata(args);
      const what = `kata ${args.join(' ')}`;
      expect(run.code, `${what}: something is wrong, so not 0`).to.equal(1);
      expect(run.stderr, what).to.include(`Left out, as it cannot be read: katas/${SECOND_KATA}/kata.json: field "starterFailures"`).and.include('Fix: ');
      expect(run.stderr, `${what}: no stack trace`).not.to.match(/^\s+at /m);
      expect(run.stdout, `${what}: the kata that loads is still offered`).to.include(KATA);
    }
    const list = await box.kata(['list']);
    expect(list.stdout, 'the broken kata is not in the list').not.to.match(new RegExp(`\\d\\. ${SECOND_KATA} `));
  });

  it('kata with no terminal (CI, a pipe) prints the list and exits 0, as npm start does', async () => {
    const bare = await box.kata([]);
    expect(bare.code).to.equal(0);
    expect(bare.stdout).to.include('Katas, in learning order:').and.match(new RegExp(`1\\. ${KATA} .*not started`)).and.match(new RegExp(`2\\. ${SECOND_KATA} `));

    const npm = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile('npm', ['start', '--silent'], { cwd: box.root, env: cliEnv(), timeout: 120_000 }, (err, stdout) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout }));
    });
    expect(npm.code).to.equal(0);
    expect(npm.stdout).to.include('Katas, in learning order:');
  });
});
