// Colour codes, run for real: only where the output is a terminal, unless NO_COLOR or FORCE_COLOR
// say otherwise. A pipe (CI logs, `| less`, a file) must get plain text.
import { expect } from 'chai';

import { KATA, makeSandbox, type Sandbox } from './sandbox';
import { Terminal, terminalUnavailable } from './terminal';

const ESC = '\x1b[';
/** The environment of a shell with no colour preference: NO_COLOR and FORCE_COLOR unset (undefined values are left out). */
const noPreference = { NO_COLOR: undefined, FORCE_COLOR: undefined };

describe('kata: colour only where it is wanted', function () {
  this.timeout(600_000);
  let box: Sandbox;
  before(() => {
    box = makeSandbox();
  });
  after(() => box.remove());
  afterEach(() => box.restore());

  it('in a pipe: plain text, even on CI or with FORCE_COLOR=0; mocha\'s and c8\'s output included', async () => {
    for (const env of [{ ...noPreference, CI: '1', TERM: 'xterm-256color' }, { ...noPreference, FORCE_COLOR: '0' }, { ...noPreference, NO_COLOR: '' }]) {
      for (const args of [['list'], ['next'], ['tset'], ['test', KATA, '--verbose']]) {
        const run = await box.kata(args, { env });
        const what = `kata ${args.join(' ')} with ${JSON.stringify(env)}`;
        expect(run.stdout, `${what}: stdout`).not.to.include(ESC);
        expect(run.stderr, `${what}: stderr`).not.to.include(ESC);
      }
    }
  });

  it('in a pipe with FORCE_COLOR=1: colours, on stdout and stderr, for a log viewer that shows them (and FORCE_COLOR wins over NO_COLOR)', async () => {
    for (const env of [{ ...noPreference, FORCE_COLOR: '1' }, { FORCE_COLOR: '1', NO_COLOR: '1' }]) {
      expect((await box.kata(['list'], { env })).stdout, JSON.stringify(env)).to.include(ESC);
      expect((await box.kata(['test', 'no-such-kata'], { env })).stderr, JSON.stringify(env)).to.include(ESC);
    }
  });

  it('in a terminal: colours, unless NO_COLOR is set', async function () {
    const why = terminalUnavailable();
    if (why) {
      process.stderr.write(`  skipping the terminal test: ${why}\n`);
      return this.skip();
    }
    const shown = async (env: NodeJS.ProcessEnv) => {
      const term = new Terminal(box.root, [process.execPath, 'bin/kata.js', 'list'], env);
      try {
        expect(await term.exitCode()).to.equal(0);
        expect(term.text).to.include('Katas, in learning order:');
        return term.raw;
      } finally {
        await term.close();
      }
    };
    expect(await shown({ ...noPreference, TERM: 'xterm-256color' })).to.include(ESC);
    expect(await shown({ ...noPreference, TERM: 'xterm-256color', NO_COLOR: '1' })).not.to.include(ESC);
  });
});
