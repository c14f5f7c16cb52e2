/**
 * `npm run bench [-- [--delays t,a,f] [--pages n] [<implementation folder>...]]`: how long the
 * profile page takes, for each implementation, side by side in one run.
 *
 * Three upstream services on 127.0.0.1 answer after fixed delays (template, avatar, friends; ms).
 * Each implementation (default: src, the legacy as shipped until you change it, and
 * .meta/solution, the reference) is compiled to JavaScript in the OS temp dir, the kata's src/
 * files under it so that its imports resolve, and mounted on a page server of its own. Pages are
 * asked one at a time, alternating between the implementations, so that the machine's load falls
 * on all of them alike. Prints the median and p90 page latency of each, the load average before
 * and after, and a bar chart of the medians (also written to bench/out/page-latency.svg).
 *
 * Expect: asked one inside another, the page costs about the sum of the delays; asked at once,
 * about the slowest one.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

import { svgBars, textBars } from '../../../src/harness/bench-chart';

const KATA_DIR = path.resolve(__dirname, '..');
const OUT_DIR = path.join(KATA_DIR, 'bench', 'out');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

interface Args {
  delays: [number, number, number];
  pages: number;
  folders: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { delays: [40, 80, 120], pages: 20, folders: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--delays') {
      const delays = (argv[++i] ?? '').split(',').map(Number);
      if (delays.length !== 3 || delays.some((d) => !Number.isFinite(d) || d < 0)) throw new Error(`--delays takes three numbers of ms (template,avatar,friends), got ${argv[i]}`);
      args.delays = delays as [number, number, number];
    } else if (arg === '--pages') {
      args.pages = Number(argv[++i]);
      if (!Number.isInteger(args.pages) || args.pages < 1) throw new Error(`--pages takes a whole number from 1, got ${argv[i]}`);
    } else {
      args.folders.push(arg);
    }
  }
  if (args.folders.length === 0) args.folders = ['src', '.meta/solution'];
  return args;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function listen(handler: Handler): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** An upstream that answers `body` after `delayMs`. */
function upstream(delayMs: number, contentType: string, body: string | Buffer): Handler {
  return (_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }, delayMs);
  };
}

/** The implementation in `folder`, transpiled over the kata's src/ into a temp dir, and loaded. */
function load(folder: string, out: string): { profileHandler: (options: object) => Handler } {
  const dir = fs.mkdtempSync(path.join(out, 'impl-'));
  const sources = new Map<string, string>();
  for (const from of [path.join(KATA_DIR, 'src'), path.resolve(KATA_DIR, folder)]) {
    for (const file of fs.readdirSync(from).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) sources.set(file, path.join(from, file));
  }
  for (const [file, from] of sources) {
    const { outputText } = ts.transpileModule(fs.readFileSync(from, 'utf8'), {
      fileName: from,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    fs.writeFileSync(path.join(dir, file.replace(/\.ts$/, '.js')), outputText);
  }
  return require(path.join(dir, 'profile-page.js')) as { profileHandler: (options: object) => Handler };
}

function getPage(url: string): Promise<{ status: number; ms: number }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - start }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const [t, a, f] = args.delays;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'profile-page-bench-'));
  const servers: http.Server[] = [];
  try {
    const template = await listen(upstream(t, 'text/html', '<h1>{{name}}</h1><img src="{{avatar}}"><ul>{{friends}}</ul>'));
    const avatar = await listen(upstream(a, 'image/png', PNG));
    const friends = await listen(upstream(f, 'application/json', JSON.stringify({ friends: [{ name: 'Grace' }, { name: 'Ken' }] })));
    servers.push(template.server, avatar.server, friends.server);
    const options = { templateUrl: `${template.url}/template.html`, avatarUrl: `${avatar.url}/avatars`, friendsUrl: `${friends.url}/friends`, timeoutMs: 10_000 };
    const pages = [];
    for (const folder of args.folders) {
      const page = await listen(load(folder, out).profileHandler(options));
      servers.push(page.server);
      pages.push({ label: folder, url: `${page.url}/profile/ada`, times: [] as number[], failures: 0 });
    }
    const loadBefore = os.loadavg();
    // One warm-up page each (module loading, first connections), not counted.
    for (const page of pages) await getPage(page.url);
    for (let i = 0; i < args.pages; i += 1) {
      for (const page of pages) {
        const { status, ms } = await getPage(page.url);
        if (status === 200) page.times.push(ms);
        else page.failures += 1;
      }
    }
    const loadAfter = os.loadavg();

    const rows = pages.map((p) => {
      const sorted = [...p.times].sort((x, y) => x - y);
      return { label: p.label, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), min: sorted[0] ?? NaN, failures: p.failures };
    });
    const fmt = (n: number) => n.toFixed(1).padStart(7);
    console.log(`profile-page bench: upstream delays template ${t} ms, avatar ${a} ms, friends ${f} ms (sum ${t + a + f} ms, slowest ${Math.max(t, a, f)} ms)`);
    console.log(`${args.pages} pages per implementation, one at a time, alternating; Node ${process.version}, ${os.availableParallelism()} cores`);
    console.log(`load average (1, 5, 15 min): before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
    console.log('');
    const width = Math.max(...rows.map((r) => r.label.length), 'implementation'.length);
    console.log(`${'implementation'.padEnd(width)}  median ms   p90 ms   min ms  failed`);
    for (const r of rows) console.log(`${r.label.padEnd(width)}  ${fmt(r.median)}  ${fmt(r.p90)}  ${fmt(r.min)}  ${String(r.failures).padStart(6)}`);
    console.log('');
    console.log('median page latency:');
    console.log(textBars(rows.map((r) => ({ label: r.label, value: r.median })), 'ms'));
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const svg = path.join(OUT_DIR, 'page-latency.svg');
    fs.writeFileSync(
      svg,
      svgBars(
        'profile page: median latency',
        `upstream delays ${t} / ${a} / ${f} ms (sum ${t + a + f}, slowest ${Math.max(t, a, f)}); ${args.pages} pages each; load ${loadBefore[0]!.toFixed(2)}`,
        'ms',
        rows.map((r) => ({ label: r.label, value: r.median })),
      ),
    );
    console.log(`\nchart: ${path.relative(process.cwd(), svg)}`);
  } finally {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    fs.rmSync(out, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
