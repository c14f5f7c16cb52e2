/**
 * `npm run bench`: throughput of the kata's pool with 1 and 2 workers (and one per core, when
 * the machine has more than 2), against the main thread alone and against piscina with the same
 * thread counts, on the same CPU-bound task. Modes are interleaved run by run, so a neighbour's
 * load spreads over all of them; each figure is the median of the runs.
 *
 * Worker start-up is not measured: every pool is warmed (each worker has run a task) before the
 * clock starts. A worker takes tens of milliseconds or more to start, which is a reason to keep
 * a pool rather than start a worker per task, but not what this measures.
 *
 *   npm run bench                                  the pool in src/ (the learner's code)
 *   npm run bench -- --impl .meta/solution         another folder holding worker-pool.ts
 *   npm run bench -- --runs 7 --tasks 32 --task-ms 20
 *
 * Prints a table and writes an SVG bar chart to bench/out/ (git-ignored).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { Piscina } from 'piscina';

import { crunch } from './workload';

type TaskCallback = (err: Error | null, result?: unknown) => void;
interface CallbackPool {
  run(name: string, payload: unknown, callback: TaskCallback): void;
  close(callback: (err?: Error | null) => void): void;
}
type PoolModule = { WorkerPool: new (options: { tasks: string; size?: number }) => CallbackPool };

const KATA_DIR = path.resolve(__dirname, '..');
const WORKLOAD = require.resolve('./workload');
const OUT_DIR = path.join(__dirname, 'out');

interface Mode {
  label: string;
  threads: number;
  /** Runs `tasks` tasks of `rounds` each, all submitted at once; resolves with their checksums. */
  runBatch(tasks: number, rounds: number): Promise<number[]>;
  close(): Promise<void>;
}

function mainThread(): Mode {
  return {
    label: 'main thread alone',
    threads: 1,
    runBatch: async (tasks, rounds) => Array.from({ length: tasks }, () => crunch(rounds)),
    close: async () => undefined,
  };
}

function kataPool(impl: string, size: number): Mode {
  const { WorkerPool } = require(path.join(impl, 'worker-pool')) as PoolModule;
  const pool = new WorkerPool({ tasks: WORKLOAD, size });
  const run = (rounds: number) => new Promise<number>((resolve, reject) => pool.run('crunch', rounds, (err, result) => (err ? reject(err) : resolve(result as number))));
  return {
    label: `kata pool, ${size} worker${size === 1 ? '' : 's'}`,
    threads: size,
    runBatch: (tasks, rounds) => Promise.all(Array.from({ length: tasks }, () => run(rounds))),
    close: () => promisify(pool.close.bind(pool))() as Promise<void>,
  };
}

function piscinaPool(size: number): Mode {
  const pool = new Piscina({ filename: WORKLOAD, minThreads: size, maxThreads: size, idleTimeout: Infinity });
  return {
    label: `piscina, ${size} thread${size === 1 ? '' : 's'}`,
    threads: size,
    runBatch: (tasks, rounds) => Promise.all(Array.from({ length: tasks }, () => pool.run(rounds, { name: 'crunch' }) as Promise<number>)),
    close: () => pool.destroy(),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * How many rounds of `crunch` take about `ms` of CPU on this machine's main thread. The fastest
 * of several timings: on a shared machine the slower ones include time spent descheduled.
 */
function calibrate(ms: number): number {
  let rounds = 1e6;
  for (;;) {
    const timings = Array.from({ length: 7 }, () => {
      const start = performance.now();
      crunch(rounds);
      return performance.now() - start;
    });
    const fastest = Math.min(...timings);
    if (fastest >= 5) return Math.max(1, Math.round((rounds * ms) / fastest));
    rounds *= 4;
  }
}

interface Row {
  mode: Mode;
  throughputs: number[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      impl: { type: 'string', default: 'src' },
      runs: { type: 'string', default: '5' },
      tasks: { type: 'string', default: '24' },
      'task-ms': { type: 'string', default: '20' },
    },
  });
  const impl = path.resolve(KATA_DIR, values.impl);
  const runs = Number(values.runs);
  const tasks = Number(values.tasks);
  const cores = os.availableParallelism();
  const load = os.loadavg()[0]!;
  const rounds = calibrate(Number(values['task-ms']));

  const sizes = [1, 2, ...(cores > 2 ? [cores] : [])];
  const modes: Mode[] = [mainThread(), ...sizes.map((n) => kataPool(impl, n)), ...sizes.map((n) => piscinaPool(n))];
  const rows: Row[] = modes.map((mode) => ({ mode, throughputs: [] }));

  console.log(`worker-pool bench: Node ${process.version}, os.availableParallelism() = ${cores}, load average ${load.toFixed(2)} (1 min) at the start`);
  console.log(`pool under test: ${path.relative(KATA_DIR, impl) || '.'}/worker-pool.ts; ${tasks} tasks per run, each about ${values['task-ms']} ms on the main thread (${rounds} rounds); ${runs} runs per mode, interleaved`);
  try {
    // Warm-up: every worker starts (loading its modules) and runs a task before any clock starts.
    const expected = crunch(rounds);
    for (const { mode } of rows) {
      const sums = await mode.runBatch(Math.max(mode.threads * 2, 2), rounds);
      if (sums.some((s) => s !== expected)) throw new Error(`${mode.label} computed a wrong checksum: ${sums.join(', ')} (expected ${expected})`);
    }
    for (let run = 1; run <= runs; run++) {
      for (const row of rows) {
        const start = performance.now();
        await row.mode.runBatch(tasks, rounds);
        row.throughputs.push(tasks / ((performance.now() - start) / 1000));
      }
      process.stdout.write(`  run ${run}/${runs} done\n`);
    }
  } finally {
    await Promise.all(modes.map((m) => m.close()));
  }

  const baseline = median(rows[0]!.throughputs);
  const table = [
    ['mode', 'threads', 'tasks/s (median)', 'min-max', 'vs main thread'],
    ...rows.map(({ mode, throughputs }) => [
      mode.label,
      String(mode.threads),
      median(throughputs).toFixed(1),
      `${Math.min(...throughputs).toFixed(1)}-${Math.max(...throughputs).toFixed(1)}`,
      `${(median(throughputs) / baseline).toFixed(2)}x`,
    ]),
  ];
  console.log(`\n${markdownTable(table)}\n`);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const chart = path.join(OUT_DIR, 'worker-pool-throughput.svg');
  fs.writeFileSync(chart, svgChart(rows, { cores, runs, tasks, taskMs: values['task-ms'], load }));
  console.log(`chart: ${path.relative(process.cwd(), chart)}`);
}

function markdownTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

/** A horizontal bar chart, one bar per mode, labelled with its median in tasks per second. */
function svgChart(rows: Row[], about: { cores: number; runs: number; tasks: number; taskMs: string | undefined; load: number }): string {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const bar = 28;
  const gap = 12;
  const left = 190;
  const plot = 420;
  const top = 84;
  const width = left + plot + 130;
  const height = top + rows.length * (bar + gap) + 48;
  const medians = rows.map((r) => median(r.throughputs));
  const max = Math.max(...medians);
  const colour = (label: string) => (label.startsWith('main') ? '#9e9e9e' : label.startsWith('piscina') ? '#7b61ff' : '#1f9d55');
  const bars = rows.map((row, i) => {
    const y = top + i * (bar + gap);
    const w = Math.max(1, (medians[i]! / max) * plot);
    return [
      `<text x="${left - 10}" y="${y + bar / 2 + 5}" text-anchor="end">${escape(row.mode.label)}</text>`,
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${colour(row.mode.label)}"/>`,
      `<text x="${(left + w + 8).toFixed(1)}" y="${y + bar / 2 + 5}">${medians[i]!.toFixed(1)} tasks/s</text>`,
    ].join('\n  ');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">
  <rect width="100%" height="100%" fill="white"/>
  <text x="20" y="24" font-size="15" font-weight="bold">worker-pool throughput (higher is better)</text>
  <text x="20" y="46" fill="#555">median tasks per second of ${about.runs} runs; ${about.tasks} tasks of ~${escape(String(about.taskMs))} ms each (CPU-bound)</text>
  <text x="20" y="64" fill="#555">os.availableParallelism() = ${about.cores}; load average ${about.load.toFixed(2)} at the start (other processes share these cores)</text>
  ${bars.join('\n  ')}
  <line x1="${left}" y1="${top - 6}" x2="${left}" y2="${height - 40}" stroke="#333"/>
  <text x="${left}" y="${height - 16}" fill="#555">tasks per second (tasks/s)</text>
</svg>
`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
