/**
 * `npm run bench [-- [--delay ms] [--gets n] [--signups n] [--bursts n] [<implementation folder>...]]`:
 * what the refactoring buys, for each implementation side by side in one run.
 *
 * 1. `GET /users/:id` with a slow database: every read is answered `--delay` ms late (default 20),
 *    through the tests' ReadGate. Asked one after the other, the three reads cost three delays;
 *    asked at once, about one. Requests alternate between the implementations, so that the
 *    machine's load falls on all of them alike; prints the median and p90.
 * 2. A burst of signups: `--signups` (default 8) at once, with the production iterations (210000),
 *    while a client asks `GET /users/:id` one after the other. Counts the GETs answered during the
 *    burst and the slowest of them: pbkdf2Sync stops the server for the whole burst, crypto.pbkdf2
 *    leaves it serving. `--bursts` (default 3) per implementation, medians.
 *
 * Each implementation (default: src, the legacy as shipped until you change it, and
 * .meta/solution, the reference) runs on a database of its own in a temp folder. Prints the load
 * average before and after, bar charts of the medians in the terminal, and writes them to
 * bench/out/account-api.svg.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

import { svgBars, textBars } from '../../../src/harness/bench-chart';
import type { AccountServer, AccountServerOptions, StartCallback } from '../src/account-api';
import { openDb, ReadGate } from '../test/support/db';

const KATA_DIR = path.resolve(__dirname, '..');
const OUT_DIR = path.join(KATA_DIR, 'bench', 'out');
const PRODUCTION_ITERATIONS = 210_000;

interface Args {
  delay: number;
  gets: number;
  signups: number;
  bursts: number;
  folders: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { delay: 20, gets: 30, signups: 8, bursts: 3, folders: [] };
  const whole = (flag: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} takes a whole number from ${min}, got ${String(value)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--delay') args.delay = whole(arg, argv[++i], 0);
    else if (arg === '--gets') args.gets = whole(arg, argv[++i], 1);
    else if (arg === '--signups') args.signups = whole(arg, argv[++i], 1);
    else if (arg === '--bursts') args.bursts = whole(arg, argv[++i], 1);
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}: expected --delay, --gets, --signups or --bursts`);
    else args.folders.push(arg);
  }
  if (args.folders.length === 0) args.folders = ['src', '.meta/solution'];
  return args;
}

type Start = (options: AccountServerOptions, callback: StartCallback) => void;

/** The implementation's callback API (the one every version keeps), loaded through the TypeScript hook. */
function load(folder: string): Start {
  const file = path.resolve(KATA_DIR, folder, 'account-api.ts');
  if (!fs.existsSync(file)) throw new Error(`${folder} has no account-api.ts: name a folder that holds an implementation (src, .meta/solution, ...)`);
  return (require(file) as { startAccountServer: Start }).startAccountServer;
}

function start(startAccountServer: Start, options: AccountServerOptions): Promise<AccountServer> {
  return new Promise((resolve, reject) => startAccountServer(options, (err, server) => (err ? reject(err) : resolve(server!))));
}

interface Answer {
  status: number;
  json: any;
  ms: number;
}

function send(url: string, method: string, route: string, json?: unknown, token?: string): Promise<Answer> {
  const started = performance.now();
  const body = json === undefined ? undefined : JSON.stringify(json);
  const headers: http.OutgoingHttpHeaders = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${route}`, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json: parsed, ms: performance.now() - started });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
const median = (values: number[]) => quantile([...values].sort((a, b) => a - b), 0.5);

interface Subject {
  label: string;
  /** Its server on a slowed database, with a user to read. */
  slow: { url: string; id: string; token: string };
  /** Its server with production iterations, for the signup bursts. */
  heavy: { url: string; id: string; token: string };
  gets: number[];
  bursts: Array<{ ms: number; served: number; slowest: number }>;
}

async function prepare(label: string, startAccountServer: Start, dir: string, delay: number, servers: AccountServer[]): Promise<Subject> {
  const signUp = async (url: string, name: string) => {
    const email = `${name}@example.com`;
    const signup = await send(url, 'POST', '/signup', { name, email, password: 'pw' });
    if (signup.status !== 201) throw new Error(`${label}: POST /signup answered ${signup.status}: the bench needs a working signup`);
    const login = await send(url, 'POST', '/login', { email, password: 'pw' });
    if (login.status !== 200) throw new Error(`${label}: POST /login answered ${login.status}: the bench needs a working login`);
    return { id: signup.json._id as string, token: login.json.token as string };
  };
  fs.mkdirSync(path.join(dir, 'slow'));
  const db = await openDb(path.join(dir, 'slow'));
  const gate = new ReadGate(['users', 'favorites', 'follows']);
  gate.delayMs = delay;
  const slow = await start(startAccountServer, { db: gate.wrap(db), iterations: 1000 });
  servers.push(slow);
  const ada = await signUp(slow.url, 'ada');
  await db.favorites.insertAsync([{ userId: ada.id, item: 'tea' }, { userId: ada.id, item: 'books' }]);
  fs.mkdirSync(path.join(dir, 'heavy'));
  const heavy = await start(startAccountServer, { db: await openDb(path.join(dir, 'heavy')), iterations: PRODUCTION_ITERATIONS });
  servers.push(heavy);
  const bob = await signUp(heavy.url, 'bob');
  return { label, slow: { url: slow.url, ...ada }, heavy: { url: heavy.url, ...bob }, gets: [], bursts: [] };
}

/** `signups` at once on the heavy server, and GETs one after the other until they are all answered. */
async function burst(subject: Subject, signups: number, round: number): Promise<{ ms: number; served: number; slowest: number }> {
  const { url, id, token } = subject.heavy;
  let done = false;
  const started = performance.now();
  const all = Promise.all(
    Array.from({ length: signups }, (_, i) => send(url, 'POST', '/signup', { name: `u${round}-${i}`, email: `u${round}-${i}@example.com`, password: 'pw' })),
  ).finally(() => (done = true));
  let served = 0;
  let slowest = 0;
  while (!done) {
    const answer = await send(url, 'GET', `/users/${id}`, undefined, token);
    if (done) break;
    if (answer.status === 200) served += 1;
    slowest = Math.max(slowest, answer.ms);
  }
  const answers = await all;
  if (answers.some((a) => a.status !== 201)) throw new Error(`${subject.label}: a signup of the burst answered ${answers.find((a) => a.status !== 201)!.status}`);
  return { ms: performance.now() - started, served, slowest };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'account-api-bench-'));
  const servers: AccountServer[] = [];
  try {
    const subjects: Subject[] = [];
    for (const [i, folder] of args.folders.entries()) {
      const dir = path.join(tmp, String(i));
      fs.mkdirSync(dir);
      subjects.push(await prepare(folder, load(folder), dir, args.delay, servers));
    }
    const loadBefore = os.loadavg();
    for (const s of subjects) await send(s.slow.url, 'GET', `/users/${s.slow.id}`, undefined, s.slow.token); // warm-up, not counted
    for (let i = 0; i < args.gets; i += 1) {
      for (const s of subjects) {
        const answer = await send(s.slow.url, 'GET', `/users/${s.slow.id}`, undefined, s.slow.token);
        if (answer.status !== 200) throw new Error(`${s.label}: GET /users/:id answered ${answer.status}`);
        s.gets.push(answer.ms);
      }
    }
    for (let round = 0; round < args.bursts; round += 1) {
      for (const s of subjects) s.bursts.push(await burst(s, args.signups, round));
    }
    const loadAfter = os.loadavg();

    const fmt = (n: number) => n.toFixed(1).padStart(8);
    const width = Math.max(...subjects.map((s) => s.label.length), 'implementation'.length);
    console.log(`account-api bench: Node ${process.version}, ${os.availableParallelism()} cores`);
    console.log(`load average (1, 5, 15 min): before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}\n`);
    console.log(`1. GET /users/:id, every read ${args.delay} ms late; ${args.gets} requests each, one at a time, alternating`);
    console.log(`${'implementation'.padEnd(width)}  median ms    p90 ms`);
    for (const s of subjects) {
      const sorted = [...s.gets].sort((a, b) => a - b);
      console.log(`${s.label.padEnd(width)}  ${fmt(quantile(sorted, 0.5))}  ${fmt(quantile(sorted, 0.9))}`);
    }
    const latency = subjects.map((s) => ({ label: s.label, value: median(s.gets) }));
    console.log(`\n${textBars(latency, 'ms')}\n`);
    console.log(`2. ${args.signups} signups at once (${PRODUCTION_ITERATIONS} PBKDF2 iterations each), GET /users/:id one after the other meanwhile; ${args.bursts} bursts each, medians`);
    console.log(`${'implementation'.padEnd(width)}  burst ms  GETs served  slowest GET ms`);
    for (const s of subjects) {
      console.log(`${s.label.padEnd(width)}  ${fmt(median(s.bursts.map((b) => b.ms)))}  ${String(median(s.bursts.map((b) => b.served))).padStart(11)}  ${fmt(median(s.bursts.map((b) => b.slowest)))}`);
    }
    const served = subjects.map((s) => ({ label: s.label, value: median(s.bursts.map((b) => b.served)) }));
    console.log(`\nGETs served during a burst:\n${textBars(served, 'GETs')}`);

    fs.mkdirSync(OUT_DIR, { recursive: true });
    const svg = path.join(OUT_DIR, 'account-api.svg');
    const about = `Node ${process.version}, ${os.availableParallelism()} cores, load ${loadBefore[0]!.toFixed(2)}`;
    const chart = (title: string, unit: string, bars: typeof latency, axis: string) => svgBars(title, about, unit, bars, axis).replace(/<\/?svg[^>]*>\n?/g, '');
    fs.writeFileSync(
      svg,
      [
        '<svg xmlns="http://www.w3.org/2000/svg" width="1440" height="420" viewBox="0 0 1440 420" font-family="sans-serif">',
        `<g>${chart(`GET /users/:id, reads ${args.delay} ms late: median`, 'ms', latency, 'latency (ms)')}</g>`,
        `<g transform="translate(720 0)">${chart(`GETs served during ${args.signups} signups at once`, 'GETs', served, 'GETs answered')}</g>`,
        '</svg>',
        '',
      ].join('\n'),
    );
    console.log(`\nchart: ${path.relative(process.cwd(), svg)}`);
  } finally {
    for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
