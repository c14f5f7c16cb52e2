import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { BoardClient } from '../../dojo/board-client';
import { dojoDir, entryFor, Journal, TeamName } from '../../dojo/journal';
import { renderReport } from '../../dojo/report';
import { clockText, startTimebox } from '../../dojo/timebox';
import { type Command, UsageError } from '../command';
import { color, note, say } from '../output';
import { resolveKata } from '../resolve-kata';
import { watchKata } from '../watch/watch-kata';
import { runFullCheck } from './check';

export const dojoCommand: Command = {
  name: 'dojo',
  summary: 'Run a kata as a coding dojo: watch mode with a timebox, driver/navigator rotation prompts, a run journal and, with --board, the facilitator\'s live board.',
  usage: [
    'Usage: npx kata dojo [kata] [--minutes N] [--rotate N] [--team NAME] [--board URL]',
    '       npx kata dojo [kata] --team NAME --report',
    '',
    '  --minutes N   the timebox (default: the kata\'s timeboxMinutes)',
    '  --rotate N    prompt the pair to swap driver and navigator every N minutes (default 7; 0 for never)',
    '  --team NAME   the team\'s name on the board and in the journal (default: this computer\'s user name)',
    '  --board URL   post each run to the facilitator\'s `npx kata board` (a board that is down never stops you)',
    '  --report      print the retrospective of the team\'s journal (markdown) and exit',
    '',
    'Every run is written to .kata-dojo/<team>/<kata>.jsonl: time, passing count, step, callback depth.',
    'When the timebox ends, the retrospective is written next to it as <kata>-report.md.',
  ].join('\n'),
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { minutes: { type: 'string' }, rotate: { type: 'string' }, team: { type: 'string' }, board: { type: 'string' }, report: { type: 'boolean' } },
    });
    const kata = resolveKata(positionals);
    const minutes = wholeNumber('--minutes', values.minutes, kata.meta.timeboxMinutes, 1);
    const rotateEvery = wholeNumber('--rotate', values.rotate, 7, 0);
    const team = values.team ?? defaultTeam();
    const valid = TeamName.safeParse(team);
    if (!valid.success) throw new UsageError(`--team "${team}": ${valid.error.issues[0]!.message}.`);
    if (values.board !== undefined && !/^https?:\/\/[^/]+/.test(values.board)) throw new UsageError(`--board takes the board's address, for example http://192.168.1.20:7777 (got "${values.board}").`);
    const root = dojoDir();
    const journal = new Journal(root, team, kata.name);
    const report = () => renderReport({ team, kata: kata.name, steps: kata.meta.steps.map((s) => s.title) }, journal.read());
    if (values.report) {
      say(report());
      return 0;
    }

    const board = values.board
      ? new BoardClient({ url: values.board, team, kata: kata.name, tokenFile: path.join(root, team, 'board.json'), notice: (line) => process.stdout.write(`${note(line)}\n`) })
      : undefined;
    const stop = new AbortController();
    let rotation = '';
    const box = startTimebox({
      minutes,
      rotateEvery,
      onRotate: (n) => {
        rotation = `Rotation ${n}: the navigator takes the keyboard, the driver navigates.`;
        process.stdout.write(`\x07${color.yellow(color.bold(rotation))}\n`);
      },
      onEnd: () => stop.abort(),
    });
    // Runs are journaled in the order they happened, even when measuring the pyramid of one takes longer.
    let journaled = Promise.resolve();
    const { checkKataCached } = require('../../callback-hell/cached-check') as typeof import('../../callback-hell/cached-check');
    const code = await watchKata(kata, {
      fullCheck: runFullCheck,
      signal: stop.signal,
      banner: () => [
        color.bold(`Dojo · team ${team} · ${clockText(box.remainingMs())} left`) + (rotateEvery > 0 ? note(` · swap driver and navigator every ${rotateEvery} min`) : '') + (board ? note(` · board ${values.board}`) : ''),
        ...(rotation ? [color.yellow(rotation)] : []),
        '',
      ],
      onRun: (summary) => {
        const now = new Date();
        const record = async () => {
          let depth: number | undefined;
          try {
            depth = (await checkKataCached(kata, { typed: false })).scorecard.maxCallbackNesting;
          } catch {
            // the files do not parse right now: no depth for this run
          }
          const entry = entryFor(summary, { now, ...(depth !== undefined ? { depth } : {}) });
          journal.append(entry);
          board?.post({ ...entry, timeLeftMs: box.remainingMs() });
        };
        journaled = journaled.then(record, record);
      },
    });
    box.stop();
    await journaled.catch(() => undefined);
    await board?.idle();
    const file = path.join(root, team, `${kata.name}-report.md`);
    fs.writeFileSync(file, report());
    say(
      stop.signal.aborted ? color.bold(`Time is up: ${minutes} minutes.`) : '',
      `The retrospective: ${path.relative(process.cwd(), file) || file} (${journal.read().length} runs). ${note(`npx kata dojo ${kata.name} --team ${team} --report prints it again.`)}`,
    );
    return code;
  },
};

function wholeNumber(flag: string, given: string | undefined, fallback: number, min: number): number {
  if (given === undefined) return fallback;
  const n = Number(given);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} takes a whole number of minutes, ${min} or more (got "${given}").`);
  return n;
}

function defaultTeam(): string {
  const name = (() => {
    try {
      return os.userInfo().username;
    } catch {
      return os.hostname();
    }
  })();
  return name.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'team';
}
