/**
 * What `kata` (or `npm start`) does in a terminal: a menu of the katas with the learner's status
 * in each; arrow keys or a kata's number move the selection, Enter opens it (in watch mode), q
 * leaves. The first kata not done is selected to begin with.
 */
import * as readline from 'node:readline';

import type { Kata } from '../kata/metadata';
import { fingerprint } from '../kata/learner-files';
import { color, note } from './output';
import { formatStatus, readProgress, statusOf, statusWidth } from '../learner/progress';

const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/** Resolves with the chosen kata, or undefined when the learner leaves. Needs a TTY on stdin and stdout. */
export function pickKata(katas: readonly Kata[]): Promise<Kata | undefined> {
  const progress = readProgress();
  const rows = katas.map((kata) => ({ kata, status: statusOf(kata, progress, fingerprint(kata)) }));
  let selected = Math.max(0, rows.findIndex((r) => r.status.state !== 'done'));
  let typed = '';
  let drawn = 0;
  const out = process.stdout;

  const nameWidth = Math.max(...katas.map((k) => k.name.length));
  const statusCol = Math.max(...rows.map((r) => statusWidth(r.status)));
  const draw = () => {
    const lines = [
      color.bold('Choose a kata') + note('  (↑/↓ or its number, Enter to open it in watch mode, q to quit)'),
      '',
      ...rows.map(({ kata, status }, i) => {
        const pointer = i === selected ? color.cyan('❯') : ' ';
        const name = i === selected ? color.bold(color.cyan(kata.name.padEnd(nameWidth))) : kata.name.padEnd(nameWidth);
        const padding = ' '.repeat(statusCol - statusWidth(status));
        return ` ${pointer} ${String(i + 1).padStart(2)}. ${name}  ${formatStatus(status)}${padding}  ${note(`${kata.meta.track}, level ${kata.meta.level}: ${kata.meta.title}`)}`;
      }),
      '',
    ];
    // Back to the top of the previous drawing, then draw over it.
    out.write(`${drawn ? `\x1b[${drawn}A\r\x1b[0J` : ''}${lines.join('\n')}\n`);
    drawn = lines.length;
  };

  return new Promise<Kata | undefined>((resolve) => {
    const finish = (kata: Kata | undefined) => {
      process.stdin.removeListener('keypress', onKey);
      process.stdin.setRawMode(false);
      process.stdin.pause();
      out.write(SHOW_CURSOR);
      resolve(kata);
    };
    const onKey = (text: string | undefined, key: readline.Key | undefined) => {
      const name = key?.name;
      if ((key?.ctrl && name === 'c') || name === 'q' || name === 'escape') return finish(undefined);
      if (name === 'return' || name === 'enter') return finish(rows[selected]!.kata);
      if (name === 'up' || name === 'k') selected = (selected - 1 + rows.length) % rows.length;
      else if (name === 'down' || name === 'j') selected = (selected + 1) % rows.length;
      else if (text && /^[0-9]$/.test(text)) {
        // Digits typed one after another make one number (for the 10th kata and beyond).
        typed = (typed + text).slice(-String(rows.length).length);
        let n = Number(typed);
        if (n < 1 || n > rows.length) {
          typed = text;
          n = Number(text);
        }
        if (n >= 1 && n <= rows.length) selected = n - 1;
      } else {
        return undefined;
      }
      if (!text || !/^[0-9]$/.test(text)) typed = '';
      draw();
      return undefined;
    };
    readline.emitKeypressEvents(process.stdin);
    process.stdin.setRawMode(true);
    process.stdin.on('keypress', onKey);
    process.stdin.resume();
    out.write(HIDE_CURSOR);
    draw();
  });
}
