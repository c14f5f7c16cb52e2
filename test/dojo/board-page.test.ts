/// <reference lib="dom" />
/**
 * The board's page in a real browser (Debian's chromium, driven by playwright-core): two teams
 * post runs, and the page shows each team's lights in the order of its runs, its step and its
 * time left, live. A screenshot is kept in bench-results/ for the facilitator's guide.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

import { type Board, startBoard } from '../../src/dojo/board-server';
import type { RunEntry } from '../../src/dojo/journal';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean) as string[];
const executable = CANDIDATES.find((file) => fs.existsSync(file));
const SCREENSHOT = path.join(__dirname, '..', '..', 'bench-results', 'board.png');

async function join(board: Board, team: string, kata: string): Promise<string> {
  const res = await fetch(`${board.url}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ team, kata }) });
  return ((await res.json()) as { token: string }).token;
}
async function postRun(board: Board, token: string, run: RunEntry & { timeLeftMs?: number }): Promise<void> {
  const res = await fetch(`${board.url}/runs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(run) });
  expect(res.status).to.equal(204);
}
const run = (minute: number, light: RunEntry['light'], step: number, stepTitle: string): RunEntry => ({ at: new Date(Date.UTC(2026, 11, 3, 9, minute)).toISOString(), light, passed: minute, total: 30, step, stepTitle });

describe('kata board: the page, in a real browser', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let board: Board;

  before(async function () {
    if (!executable) {
      console.log(`    (skipped: no Chromium at ${CANDIDATES.join(', ')}. Install Debian's chromium package, or set CHROMIUM_PATH, to run the board's browser test.)`);
      this.skip();
    }
    browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    board = await startBoard({ port: 0 });
  });
  afterEach(() => board.close());

  it('shows two teams\' lights in the order of their runs, their step and time left, as the runs arrive', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 480 } });
    try {
      const ada = await join(board, 'team-ada', 'config-loader');
      await postRun(board, ada, run(1, 'red', 1, 'Pin the legacy behaviour'));
      await page.goto(board.url);
      await page.waitForSelector('tr[data-team="team-ada"] .light.red');
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'live');

      // Live: runs and a second team arrive after the page has loaded.
      const bob = await join(board, 'team-bob', 'disk-usage');
      await postRun(board, ada, run(3, 'amber', 2, 'Write the promise API'));
      await postRun(board, bob, { ...run(4, 'red', 2, 'Bound the walk'), timeLeftMs: 1_805_000 });
      await postRun(board, ada, { ...run(6, 'green', 3, 'Fix the defects'), timeLeftMs: 1_500_000 });
      await page.waitForSelector('tr[data-team="team-ada"] .light:nth-child(3)');
      await page.waitForSelector('tr[data-team="team-bob"] .light');

      const rows = await page.$$eval('#rows tr', (trs) =>
        trs.map((tr) => ({
          team: tr.querySelector('.team')?.textContent,
          lights: [...tr.querySelectorAll('.light')].map((l) => l.className.replace('light ', '')),
          cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
        })),
      );
      expect(rows.map((r) => [r.team, r.lights])).to.deep.equal([
        ['team-ada', ['red', 'amber', 'green']],
        ['team-bob', ['red']],
      ]);
      expect(rows[0]!.cells[1]).to.equal('config-loader');
      expect(rows[0]!.cells[3]).to.equal('3. Fix the defects');
      // Time left counts down on the page from what each team last sent.
      const seconds = (text: string | null | undefined) => {
        const [m, s] = (text ?? '').split(':').map(Number);
        return m! * 60 + s!;
      };
      expect(seconds(rows[0]!.cells[4])).to.be.within(1500 - 60, 1500);
      expect(seconds(rows[1]!.cells[4])).to.be.within(1805 - 60, 1805);
      const later = await page.waitForFunction((before) => {
        const text = document.querySelector('tr[data-team="team-bob"] .left')?.textContent ?? '';
        const [m, s] = text.split(':').map(Number);
        return m! * 60 + s! < before;
      }, seconds(rows[1]!.cells[4]));
      expect(await later.jsonValue()).to.equal(true);
      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
      expect(fs.statSync(SCREENSHOT).size).to.be.greaterThan(1000);
    } finally {
      await page.close();
    }
  });
});
