/**
 * npm run bench: peak memory and time of the legacy digest, the reference and yours, side by
 * side, on a 10 MB and a 50 MB log.
 *
 * Each measurement runs in a process of its own (run-digest.js), so that what one
 * implementation keeps cannot show up in another's figures, and prints the process's peak
 * resident memory (resourceUsage().maxRSS), a sampled peak of its JavaScript heap, and the
 * time the digest took. The figures are the medians of a few runs, interleaved so that a busy
 * moment of the machine does not fall on one implementation only.
 *
 * The implementations are transpiled here, and the children run plain JavaScript: a TypeScript
 * loader could load the compiler into a child and add tens of MB to its figure.
 *
 * Every child runs with V8's young generation fixed at its default maximum (16 MB semi-spaces)
 * from the start. Left to itself, V8 grows it during the first seconds of a run, so any longer
 * run peaks some MB higher whatever the code keeps (measured for the reference, default flags:
 * 58, 67 and 83 MB on 10, 50 and 200 MB of log; fixed: 82, 83 and 83 MB). Fixing it removes
 * that warm-up from the comparison and leaves the time as it is in a long run.
 *
 * Then a budget check, as the tests do it: each implementation digests each log once more in a
 * process whose old generation is capped at 16 MB, and either finishes or runs out of memory.
 *
 *   npm run bench                     # 10 MB and 50 MB, 3 runs each
 *   npm run bench -- --runs 5 --sizes 10,50,100
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { open } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import ts = require('typescript');

const run = promisify(execFile);
const KATA = path.resolve(__dirname, '..');

interface Implementation {
  name: string;
  source: string;
}

interface Measurement {
  ms: number;
  requests: number;
  malformed: number;
  baselineRss: number;
  peakRss: number;
  peakHeap: number;
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}

/** legacy (a frozen copy of the starter), the reference, and src/ when it is no longer the starter. */
function implementations(): Implementation[] {
  const frozen = fs.readFileSync(path.join(__dirname, 'legacy-log-digest.ts'), 'utf8');
  const legacy = frozen.slice(frozen.indexOf('\n') + 1); // without the "frozen copy" line
  const yours = fs.readFileSync(path.join(KATA, 'src', 'log-digest.ts'), 'utf8');
  const list: Implementation[] = [
    { name: 'legacy', source: legacy },
    { name: 'reference', source: fs.readFileSync(path.join(KATA, '.meta', 'solution', 'log-digest.ts'), 'utf8') },
  ];
  if (yours !== legacy) list.push({ name: 'yours (src/)', source: yours });
  return list;
}

function transpile(impl: Implementation, dir: string): string {
  const file = path.join(dir, `${impl.name.replace(/\W+/g, '-')}.js`);
  const { outputText } = ts.transpileModule(impl.source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  fs.writeFileSync(file, outputText);
  return file;
}

/**
 * Writes a log of about `mb` MB: varied paths (some with UTF-8 characters), statuses and
 * times, one malformed line in 200 and one blank in 500. Returns how many requests it holds.
 */
async function writeLog(file: string, mb: number): Promise<number> {
  const paths = ['/menu/café', '/orders', '/orders/1234', '/health', '/städte/köln', '/api/v1/users/42', '/東京/メニュー', '/🍕/order', '/static/app.js', '/search?q=x'];
  const methods = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
  const statuses = [200, 200, 200, 200, 304, 201, 404, 500, 302];
  const handle = await open(file, 'w');
  let requests = 0;
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  try {
    let written = 0;
    let i = 0;
    while (written < mb * 1_000_000) {
      let text = '';
      while (text.length < 1_000_000) {
        i += 1;
        if (i % 500 === 0) text += '\n';
        else if (i % 200 === 0) text += '2016-03-14T09:00:00.000Z GET /trunc\n';
        else {
          const second = String(i % 60).padStart(2, '0');
          const ms = Math.round(random() * random() * 50_000) / 10;
          text += `2016-03-14T09:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${second}.${String(i % 1000).padStart(3, '0')}Z ${methods[i % methods.length]} ${paths[Math.floor(random() * paths.length)]} ${statuses[Math.floor(random() * statuses.length)]} ${Math.floor(random() * 20_000)} - ${ms} ms\n`;
          requests += 1;
        }
      }
      const bytes = Buffer.from(text, 'utf8');
      await handle.write(bytes);
      written += bytes.length;
    }
  } finally {
    await handle.close();
  }
  return requests;
}

/** V8's young generation at its default maximum from the start: see the top of this file. */
const FIXED_YOUNG_GENERATION = ['--min-semi-space-size=16', '--max-semi-space-size=16'];
const BUDGET_MB = 16;

async function measure(script: string, log: string): Promise<Measurement> {
  const { stdout } = await run(process.execPath, [...FIXED_YOUNG_GENERATION, path.join(__dirname, 'run-digest.js'), script, log], { maxBuffer: 1 << 20 });
  const result = JSON.parse(stdout.trim()) as Measurement & { error?: string };
  if (result.error) throw new Error(`${script} failed on ${log}: ${result.error}`);
  return result;
}

/** Digests `log` with the old generation capped at BUDGET_MB: 'finished', or why not. */
async function withinBudget(script: string, log: string): Promise<string> {
  try {
    await run(process.execPath, [`--max-old-space-size=${BUDGET_MB}`, path.join(__dirname, 'run-digest.js'), script, log], { maxBuffer: 1 << 20 });
    return 'finished';
  } catch (err) {
    return /heap out of memory|Reached heap limit/i.test(String((err as { stderr?: string }).stderr)) ? 'out of memory' : `failed: ${String(err).split('\n')[0]}`;
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const mb = (bytes: number) => `${(bytes / 1_000_000).toFixed(0)} MB`;
const pad = (s: string, n: number) => s.padEnd(n);
const padLeft = (s: string, n: number) => s.padStart(n);

async function main(): Promise<void> {
  const runs = Number(option('runs', '3'));
  const sizes = option('sizes', '10,50').split(',').map(Number);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-digest-bench-'));
  const cleanUp = () => fs.rmSync(dir, { recursive: true, force: true });
  process.once('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });
  try {
    const impls = implementations().map((impl) => ({ ...impl, script: transpile(impl, dir) }));
    const logs: Array<{ mb: number; file: string; requests: number }> = [];
    for (const size of sizes) {
      const file = path.join(dir, `access-${size}mb.log`);
      process.stderr.write(`writing a ${size} MB log...\n`);
      logs.push({ mb: size, file, requests: await writeLog(file, size) });
    }

    const results = new Map<string, Measurement[]>();
    for (let r = 1; r <= runs; r++) {
      for (const log of logs) {
        for (const impl of impls) {
          process.stderr.write(`run ${r}/${runs}: ${impl.name}, ${log.mb} MB\n`);
          const key = `${log.mb}|${impl.name}`;
          results.set(key, [...(results.get(key) ?? []), await measure(impl.script, log.file)]);
        }
      }
    }

    const budget = new Map<string, string>();
    for (const log of logs) {
      for (const impl of impls) {
        process.stderr.write(`${BUDGET_MB} MB heap cap: ${impl.name}, ${log.mb} MB\n`);
        budget.set(`${log.mb}|${impl.name}`, await withinBudget(impl.script, log.file));
      }
    }

    const cpus = os.cpus().length;
    console.log(`\nlog-digest: digestFile(access.log) on generated logs, each run in its own process; medians of ${runs} runs (node ${process.version}, ${cpus} CPUs, load ${os.loadavg()[0]!.toFixed(1)})\n`);
    const header = `${pad('log', 7)}${pad('implementation', 16)}${padLeft('peak RSS', 10)}${padLeft('peak heap', 11)}${padLeft('time', 9)}   ${pad(`${BUDGET_MB} MB heap cap`, 16)}requests counted`;
    console.log(header);
    console.log('-'.repeat(header.length + 20));
    for (const log of logs) {
      for (const impl of impls) {
        const m = results.get(`${log.mb}|${impl.name}`)!;
        const requests = median(m.map((x) => x.requests));
        const verdict = requests === log.requests ? `${requests} (all)` : `${requests} of ${log.requests} (${Math.abs(log.requests - requests)} ${requests < log.requests ? 'lost' : 'extra'})`;
        console.log(
          `${pad(`${log.mb} MB`, 7)}${pad(impl.name, 16)}${padLeft(mb(median(m.map((x) => x.peakRss))), 10)}${padLeft(mb(median(m.map((x) => x.peakHeap))), 11)}` +
            `${padLeft(`${(median(m.map((x) => x.ms)) / 1000).toFixed(2)} s`, 9)}   ${pad(budget.get(`${log.mb}|${impl.name}`)!, 16)}${verdict}`,
        );
      }
    }
    const baseline = median([...results.values()].flat().map((x) => x.baselineRss));
    console.log(`\npeak RSS: resourceUsage().maxRSS of the process, with V8's young generation fixed at 16 MB semi-spaces (see bench.ts).`);
    console.log(`peak heap: process.memoryUsage().heapUsed, sampled every 5 ms. ${BUDGET_MB} MB heap cap: a separate run with --max-old-space-size=${BUDGET_MB}.`);
    console.log(`A process that has loaded the code and not digested anything yet: ${mb(baseline)} RSS.`);
    if (logs.length > 1) {
      const [small, large] = [logs[0]!, logs[logs.length - 1]!];
      for (const impl of impls) {
        const peak = (log: (typeof logs)[number]) => median(results.get(`${log.mb}|${impl.name}`)!.map((x) => x.peakRss));
        const growth = peak(large) - peak(small);
        console.log(`${pad(impl.name, 14)} peak RSS from ${small.mb} MB to ${large.mb} MB of log: ${growth >= 0 ? '+' : ''}${mb(growth)}`);
      }
    }
  } finally {
    cleanUp();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
