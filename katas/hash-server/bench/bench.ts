/**
 * `npm run bench [-- <implementation folder>...]`: how long GET /health takes while POST /hash is
 * busy, for each implementation, measured with a real load generator (autocannon).
 *
 * Default folders: src (the legacy as shipped, until you change it) and .meta/solution (the
 * reference). Each is compiled to JavaScript in the OS temp dir (so its workers run as compiled
 * code, with no TypeScript loader), started in a child process of its own, and loaded on 127.0.0.1 only:
 * /hash by one connection per core, /health by one connection at a health checker's steady rate,
 * for a few seconds or a bounded number of requests, whichever ends first. Prints a table and writes an SVG bar chart of the
 * /health p99 to bench/out/.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

import { svgBars } from '../../../src/harness/bench-chart';

/** The few fields of autocannon's options and results used here (it ships no types). */
interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  duration: number;
  maxOverallRequests: number;
  /** Requests per second over all connections; unset: as fast as the server answers. */
  overallRate?: number;
}
interface Histogram {
  average: number;
  p50: number;
  p99: number;
  total: number;
}
interface LoadResult {
  latency: Histogram;
  requests: Histogram;
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
const autocannon = require('autocannon') as (options: LoadOptions) => Promise<LoadResult>;

const KATA_DIR = path.resolve(__dirname, '..');
const OUT_DIR = path.join(KATA_DIR, 'bench', 'out');
const CORES = os.availableParallelism();
const DURATION_S = 5;
/** About 40 ms of one core per hash: long enough to be felt, short enough for many in 5 s. */
const HASH_JOB = { password: 'hunter2', salt: 'NaCl', rounds: 2_000_000 };
/**
 * A health checker asks at a steady rate; it does not hammer. As fast as possible, /health would
 * take the CPU the hashes need, and the /hash column would measure that instead.
 */
const HEALTH_RATE = 200;

interface Measured {
  label: string;
  hash: LoadResult;
  health: LoadResult;
}

async function main(): Promise<void> {
  const folders = process.argv.slice(2);
  const targets = folders.length > 0 ? folders.map((f) => [f, f]) : [['src', 'src/ (legacy as shipped)'], ['.meta/solution', '.meta/solution/ (reference)']];
  console.log(`hash-server bench: ${CORES} core(s) (os.availableParallelism()), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`POST /hash: ${HASH_JOB.rounds} rounds per job, ${CORES} connection(s); GET /health: 1 connection, at most ${HEALTH_RATE}/s; ${DURATION_S} s each, 127.0.0.1 only.\n`);

  const results: Measured[] = [];
  for (const [folder, label] of targets) {
    console.log(`measuring ${label} ...`);
    results.push(await measure(label!, path.resolve(KATA_DIR, folder!)));
  }

  console.log(`\n${table(results)}`);
  console.log(`GET /health was asked ${HEALTH_RATE} times a second: fewer req/s means the checker was kept waiting.\n`);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const chartFile = path.join(OUT_DIR, 'health-p99.svg');
  fs.writeFileSync(
    chartFile,
    svgBars(
      'GET /health p99 latency while POST /hash is busy (lower is better)',
      `${CORES} core(s) | /hash: ${HASH_JOB.rounds} rounds per job on ${CORES} connection(s) | /health: ${HEALTH_RATE}/s on 1 connection | ${DURATION_S} s`,
      'ms',
      results.map((r) => ({ label: r.label, value: r.health.latency.p99 })),
      'latency (ms)',
    ),
  );
  console.log(`chart: ${chartFile}`);
}

/** Compiles `folder` to JavaScript, serves it from a child process, and loads it. */
async function measure(label: string, folder: string): Promise<Measured> {
  const compiled = compile(folder);
  const child = fork(path.join(compiled, 'bench', 'serve.js'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const [{ url }] = (await once(child, 'message')) as [{ url: string }];
    const [hash, health] = await Promise.all([
      autocannon({
        url: `${url}/hash`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(HASH_JOB),
        connections: CORES,
        duration: DURATION_S,
        maxOverallRequests: 2_000,
      }),
      autocannon({ url: `${url}/health`, connections: 1, duration: DURATION_S, overallRate: HEALTH_RATE, maxOverallRequests: HEALTH_RATE * DURATION_S }),
    ]);
    return { label, hash, health };
  } finally {
    await stop(child);
    fs.rmSync(compiled, { recursive: true, force: true });
  }
}

/** Asks the server to close, and kills it if it has not exited within 5 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  if (child.connected) child.send('close');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Transpiles the implementation's .ts files and serve.ts into a temp dir, keeping the layout. */
function compile(folder: string): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hash-server-bench-'));
  const emit = (from: string, toDir: string) => {
    const { outputText } = ts.transpileModule(fs.readFileSync(from, 'utf8'), {
      fileName: from,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    fs.mkdirSync(toDir, { recursive: true });
    fs.writeFileSync(path.join(toDir, path.basename(from).replace(/\.ts$/, '.js')), outputText);
  };
  for (const file of fs.readdirSync(folder).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) emit(path.join(folder, file), path.join(out, 'src'));
  emit(path.join(__dirname, 'serve.ts'), path.join(out, 'bench'));
  return out;
}

function table(results: Measured[]): string {
  const rows = [['implementation', 'route', 'p50 ms', 'p99 ms', 'req/s', 'requests', 'errors + non-2xx']];
  for (const r of results) {
    for (const [route, x] of [['GET /health', r.health], ['POST /hash', r.hash]] as const) {
      rows.push([r.label, route, ms(x.latency.p50), ms(x.latency.p99), x.requests.average.toFixed(0), String(x.requests.total), String(x.errors + x.non2xx)]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w, i) => (i < 2 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

/** autocannon measures whole milliseconds: 0 means under one. */
function ms(value: number): string {
  return value < 1 ? '<1' : value.toFixed(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
