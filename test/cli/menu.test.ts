// `kata` with no verb, in a real pseudo-terminal: the menu of katas, driven with arrow keys and
// numbers, opening the chosen kata in watch mode. (Without a terminal it prints the list: see
// help-and-errors.test.ts.)
import { expect } from 'chai';

import { KATA, makeSandbox, type Sandbox, SECOND_KATA } from './sandbox';
import { KEYS, Terminal, terminalUnavailable } from './terminal';

describe('kata: the menu, in a terminal', function () {
  this.timeout(300_000);
  let box: Sandbox;
  before(function () {
    const why = terminalUnavailable();
    if (why) {
      process.stderr.write(`  skipping the menu tests: ${why}\n`);
      return this.skip();
    }
    box = makeSandbox();
  });
  after(() => box?.remove());

  /** The kata the pointer is on in the latest drawing of the menu. */
  const lastSelection = (screen: string) => [...screen.matchAll(/❯\s+\d+\. (\S+)/g)].pop()?.[1];

  it('lists the katas in learning order with their status; ↓ and Enter open the second in watch mode; q there quits', async () => {
    const term = new Terminal(box.root, [process.execPath, 'bin/kata.js']);
    try {
      const menu = await term.waitFor(new RegExp(`2\\. ${SECOND_KATA}`));
      expect(menu).to.include('Choose a kata').and.match(new RegExp(`❯\\s+1\\. ${KATA}\\s+not started`));
      let from = term.mark();
      term.press(KEYS.down);
      expect(lastSelection(await term.waitFor(new RegExp(`❯\\s+2\\. ${SECOND_KATA}`), { from }))).to.equal(SECOND_KATA);
      term.press(KEYS.enter);
      from = term.mark();
      await term.waitFor(new RegExp(`Watching ${SECOND_KATA} · run 1 [\\s\\S]*keys:`), { from, timeoutMs: 120_000 });
      term.press('q');
      expect(await term.exitCode()).to.equal(0);
    } finally {
      await term.close();
    }
  });

  it('a kata\'s number selects it, ↑ wraps around, and q leaves the menu without opening anything (npm start opens the same menu)', async () => {
    const term = new Terminal(box.root, ['npm', 'start', '--silent']);
    try {
      await term.waitFor(/Choose a kata[\s\S]*2\. /, { timeoutMs: 120_000 });
      let from = term.mark();
      term.press('2');
      expect(lastSelection(await term.waitFor(/❯\s+2\./, { from }))).to.equal(SECOND_KATA);
      from = term.mark();
      term.press('1');
      expect(lastSelection(await term.waitFor(/❯\s+1\./, { from }))).to.equal(KATA);
      from = term.mark();
      term.press(KEYS.up);
      expect(lastSelection(await term.waitFor(/❯\s+2\./, { from }))).to.equal(SECOND_KATA);
      term.press('q');
      expect(await term.exitCode()).to.equal(0);
      expect(term.text).not.to.include('kata watch');
    } finally {
      await term.close();
    }
  });
});
