import { createTwoFilesPatch } from 'diff';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { mirrorPath } from '../../kata/metadata';
import { type Command, kataCommand } from '../command';
import { color, note, say } from '../output';
import { currentRecord } from '../../learner/record-run';
import { resolveKata } from '../resolve-kata';

export const solutionCommand: Command = {
  name: 'solution',
  summary: 'Show the reference solution as a diff against your code, once your kata is green (or with --force).',
  usage: [
    'Usage: npx kata solution [kata] [--force] [--json]',
    '',
    '  kata      the kata (default: the kata folder you are in)',
    '  --force   show it even though your tests do not all pass yet',
    '  --json    print the diffs as JSON ({ file, reference, patch } per file)',
    '',
    'A unified diff from your file (---) to the reference (+++), made with the `diff` library, so it',
    'works without git. Lines starting with + are the reference\'s; with -, yours.',
  ].join('\n'),
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { force: { type: 'boolean' }, json: { type: 'boolean' } } });
    const kata = resolveKata(positionals);
    if (!values.force) {
      const record = await currentRecord(kata);
      const green = !record.broken && record.total > 0 && record.passed === record.total;
      if (!green) {
        say(
          `The reference solution of ${kata.name} opens once your tests are green: ${record.broken ? 'your code does not load right now' : `${record.passed} of ${record.total} pass now`}.`,
          `  Stuck? ${color.cyan(kataCommand(`hint ${kata.name}`))} gives the next hint for your step. ${color.cyan(kataCommand(`solution ${kata.name} --force`))} shows it anyway.`,
        );
        return 1;
      }
    }
    const diffs = kata.meta.files.map((file) => {
      const reference = path.join(kata.meta.solution, mirrorPath(kata.meta.files, file));
      const yours = readOrEmpty(path.join(kata.dir, file));
      const theirs = readOrEmpty(path.join(kata.dir, reference));
      const patch = yours === theirs ? '' : createTwoFilesPatch(`yours/${file}`, `reference/${file}`, yours, theirs, undefined, undefined, { context: 3 });
      return { file, reference, patch };
    });
    if (values.json) {
      say(JSON.stringify({ kata: kata.name, files: diffs }, null, 2));
      return 0;
    }
    for (const d of diffs) {
      if (!d.patch) {
        say(color.green(`${d.file} is the reference, line for line.`));
        continue;
      }
      say(...d.patch.trimEnd().split('\n').map(colorLine));
    }
    const others = kata.meta.alternatives;
    say(
      '',
      note(`The reference is ${kata.meta.solution}/. It is one good answer, not the only one${others.length ? ':' : '.'}`),
      ...others.map((a) => note(`  ${a.dir}/: ${a.description}${a.failsCheck ? ` The callback-hell check rejects it: ${a.failsCheck}` : ''}`)),
      note(`Then: the "Questions to discuss afterwards" in katas/${kata.name}/README.md, and the review answer key, ${kata.meta.review}.`),
    );
    return 0;
  },
};

function colorLine(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---')) return color.bold(line);
  if (line.startsWith('@@')) return color.cyan(line);
  if (line.startsWith('+')) return color.green(line);
  if (line.startsWith('-')) return color.red(line);
  if (line.startsWith('=')) return note(line);
  return line;
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
