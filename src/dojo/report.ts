/**
 * The retrospective, from a team's journal: a markdown timeline a facilitator can project. The
 * red/green rhythm as traffic lights, the time to the first green of each step, and how the
 * callback pyramid flattened run after run.
 *
 * @example
 * renderReport({ team: 'team-ada', kata: 'config-loader', steps: ['Pin…', …] }, journal.read());
 */
import type { Light, RunEntry } from './journal';

const LIGHT: Record<Light, string> = { red: '🟥', amber: '🟨', green: '🟩' };

export interface ReportContext {
  team: string;
  kata: string;
  /** The kata's step titles, in order. */
  steps: readonly string[];
}

const minutes = (ms: number) => `${Math.round(ms / 6000) / 10} min`;

export function renderReport(context: ReportContext, entries: readonly RunEntry[]): string {
  const out = [`# Dojo retrospective: ${context.team}, ${context.kata}`, ''];
  if (entries.length === 0) return [...out, 'No test run was recorded.', ''].join('\n');
  const start = Date.parse(entries[0]!.at);
  const last = entries[entries.length - 1]!;
  const count = (light: Light) => entries.filter((e) => e.light === light).length;
  out.push(
    `${entries.length} runs over ${minutes(Date.parse(last.at) - start)}: ${count('green')} green, ${count('red')} red, ${count('amber')} amber (did not run).`,
    '',
    '## The rhythm',
    '',
    entries.map((e) => LIGHT[e.light]).join(''),
    '',
    '## Time to each step',
    '',
    '| step | reached after | first green of the whole kata |',
    '|---|---|---|',
  );
  const firstGreen = entries.find((e) => e.light === 'green');
  context.steps.forEach((title, i) => {
    const n = i + 1;
    // A step is reached at the first run on it, or on a later step (the kata done counts as past every step).
    const reached = entries.find((e) => (e.step ?? Number.MAX_SAFE_INTEGER) >= n);
    const done = entries.find((e) => (e.step ?? Number.MAX_SAFE_INTEGER) > n);
    out.push(`| ${n}. ${title} | ${reached ? minutes(Date.parse(reached.at) - start) : 'not reached'}${done ? `, finished after ${minutes(Date.parse(done.at) - start)}` : ''} | ${i === 0 ? (firstGreen ? minutes(Date.parse(firstGreen.at) - start) : 'none') : ''} |`);
  });
  const depths = entries.filter((e) => e.depth !== undefined).map((e) => e.depth!);
  out.push('', '## How the pyramid flattened', '');
  if (depths.length === 0) out.push('The callback nesting was not measured.');
  else {
    const changes = depths.filter((d, i) => i === 0 || d !== depths[i - 1]);
    out.push(`Deepest callback nesting, as it changed: ${changes.join(' → ')}.`, '', '```', ...depths.map((d, i) => `run ${String(i + 1).padStart(3)} ${'█'.repeat(d)}${d === 0 ? '·' : ''}`), '```');
  }
  out.push('', '## Questions for the retrospective', '', '- Where did the red runs cluster, and what were you trying then?', '- Which step took longest, and what would have made it shorter?', '- What did the pyramid look like when you stopped, and what is left?', '');
  return out.join('\n');
}
