/**
 * `kata dojo`, `kata board` and `kata doctor` as a facilitator and a team run them: real
 * processes, a real board on 127.0.0.1, the journal and the retrospective on disk.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { type Board, startBoard } from '../../src/dojo/board-server';
import { cliEnv, KATA, makeSandbox, type Sandbox } from './sandbox';

/** Starts `kata <args>` in the sandbox; resolves with the process and its output so far. */
function start(box: Sandbox, args: string[]) {
  const child = spawn(process.execPath, [path.join(box.root, 'bin', 'kata.js'), ...args], { cwd: box.root, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  /** Resolves once the output matches: the process says when it is ready, never a timer. */
  const until = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(out)) return resolve();
        if (child.exitCode !== null) return reject(new Error(`kata ${args.join(' ')} exited before printing ${pattern}:\n${out}`));
        setImmediate(check);
      };
      check();
    });
  return { child, output: () => out, exited, until };
}

describe('kata dojo, kata board and kata doctor', function () {
  this.timeout(180_000);
  let box: Sandbox;
  let board: Board;
  before(() => {
    box = makeSandbox({ git: false });
  });
  after(() => box.remove());
  beforeEach(async () => {
    board = await startBoard({ port: 0 });
  });
  afterEach(() => board.close());

  it('kata dojo: each run is journaled and posted to the board; stopping writes the retrospective', async () => {
    const dojo = start(box, ['dojo', KATA, '--team', 'team-ada', '--board', board.url, '--minutes', '30', '--rotate', '5']);
    await dojo.until(/tests pass\./);
    // The first run reaches the board (posting never blocks the run's display).
    while (!board.rows()[0]?.runs.length) await new Promise((resolve) => setImmediate(resolve));
    const [row] = board.rows();
    expect(row).to.deep.include({ team: 'team-ada', kata: KATA });
    expect(row!.runs[0]).to.deep.include({ light: 'red', step: 1 });
    expect(row!.runs[0]!.depth).to.be.at.least(3);
    expect(row!.timeLeftMs).to.be.within(1, 30 * 60_000);
    expect(dojo.output()).to.include('Dojo · team team-ada').and.include('left · swap driver and navigator every 5 min');

    dojo.child.kill('SIGINT');
    expect(await dojo.exited).to.equal(130);
    const journal = fs.readFileSync(path.join(box.root, '.kata-dojo', 'team-ada', `${KATA}.jsonl`), 'utf8').trim().split('\n');
    expect(journal).to.have.length(1);
    expect(JSON.parse(journal[0]!)).to.deep.include({ light: 'red', step: 1 });
    const report = fs.readFileSync(path.join(box.root, '.kata-dojo', 'team-ada', `${KATA}-report.md`), 'utf8');
    expect(report).to.include(`# Dojo retrospective: team-ada, ${KATA}`).and.include('🟥');
    expect(dojo.output()).to.include(`The retrospective: .kata-dojo/team-ada/${KATA}-report.md (1 runs).`);

    const again = await box.kata(['dojo', KATA, '--team', 'team-ada', '--report']);
    expect(again.stdout).to.equal(`${report}\n`);
  });

  it('kata dojo refuses a bad team name or board address, saying what is expected', async () => {
    const team = await box.kata(['dojo', KATA, '--team', '../x']);
    expect(team.code).to.equal(2);
    expect(team.stderr).to.include('--team "../x": a team name is 1 to 40 letters, digits or dashes');
    const url = await box.kata(['dojo', KATA, '--board', 'localhost:7777']);
    expect(url.code).to.equal(2);
    expect(url.stderr).to.include('--board takes the board\'s address, for example http://192.168.1.20:7777');
  });

  it('kata board serves the board until Ctrl-C, on this laptop only by default', async () => {
    const served = start(box, ['board', '--port', '0']);
    await served.until(/kata board: http:\/\/127\.0\.0\.1:\d+/);
    const url = /kata board: (http:\/\/127\.0\.0\.1:\d+)/.exec(served.output())![1]!;
    expect(await (await fetch(`${url}/state`)).json()).to.deep.equal({ teams: [] });
    expect(served.output()).to.include('Listening on this laptop only. For the teams\' laptops, restart with --host 0.0.0.0.');
    served.child.kill('SIGINT');
    expect(await served.exited).to.equal(0);
  });

  it('kata doctor checks the laptop and says it is ready', async () => {
    const doctor = await box.kata(['doctor', '--json']);
    const report = JSON.parse(doctor.stdout) as { ready: boolean; findings: Array<{ ok: boolean; what: string }> };
    expect(report.findings.map((f) => [f.ok, f.what.split(' ')[0]])).to.deep.equal([[true, 'Node'], [true, 'The'], [true, 'A'], [true, 'Saved'], [true, 'Not']]);
    expect(report.ready).to.equal(true);
    expect(doctor.code).to.equal(0);
  });
});
