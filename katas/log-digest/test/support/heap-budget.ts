/**
 * "Memory does not grow with the size of the log", tested without reading a heap figure.
 *
 * The code under test digests a large generated log in a child process whose heap is capped
 * (node --max-old-space-size). A digest that keeps only running totals and the few slowest
 * requests needs a few MB whatever the size of the log, and finishes; one that keeps something
 * per line (every request, to sort them at the end) or the whole file runs out of memory, and
 * the child dies with "JavaScript heap out of memory". The verdict is finished or died: no heap
 * number is compared, so machine load cannot flip it. Measured on a 2-core machine: the
 * reference digests 50 MB within a 6 MB cap; the legacy dies on 10 MB with a 16 MB cap.
 *
 * Why a child process and not a worker with resourceLimits: a worker that makes one large
 * allocation past its limit (Buffer.concat(...).toString() of the whole log) aborts the whole
 * process, test runner included, instead of failing the worker.
 *
 * Why no TypeScript loader in the child: on a cache miss it would load the TypeScript compiler into
 * the capped heap (about 37 MB). The code under test is compiled here, by the library's loader
 * (from its cache when unchanged), and sent to the child with the job. Its module is found
 * through `require.resolve` from the test, so the kata runner's redirection (a wrong variant, the
 * reference) applies.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { compileFile } from '../../../../bin/ts-cache';

export type BudgetCall = 'digestFile' | 'digestStream' | 'promises.digestFile' | 'promises.digestStream';

export interface BudgetJob {
  /** Absolute path of the module under test (resolve it from the test file). */
  entry: string;
  call: BudgetCall;
  /** Size of the generated log. */
  bytes: number;
  /** The old-space cap of the child's heap. */
  heapMb: number;
  /** For the digestFile calls: where to write the log. */
  file?: string;
}

/** Peaks seen while the digest ran, in bytes (process.memoryUsage()). */
export interface MemoryPeaks {
  rss: number;
  external: number;
  arrayBuffers: number;
}

export type BudgetResult =
  | { kind: 'finished'; requests: number | undefined; expected: number; bytes: number; peak: MemoryPeaks }
  | { kind: 'failed'; error: string }
  | { kind: 'out-of-memory'; stderr: string }
  | { kind: 'died'; detail: string; stderr: string }
  | { kind: 'never-finished' };

/** The transpiled .ts files next to `entry` (the code under test may be split into several). */
function transpiledSources(entry: string): Record<string, string> {
  const dir = path.dirname(entry);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'));
  const sources: Record<string, string> = {};
  for (const name of files) {
    const fileName = path.join(dir, name);
    sources[fileName] = compileFile(fileName);
  }
  return sources;
}

/** Runs `job` in a child with a capped heap; resolves once the child has exited. */
export function digestWithinHeap(job: BudgetJob): Promise<BudgetResult> {
  const env = { ...process.env };
  // The kata runner's coverage must come from the tests' own process only.
  delete env.NODE_V8_COVERAGE;
  const child = fork(path.join(__dirname, 'heap-budget-child.js'), [], {
    execArgv: [`--max-old-space-size=${job.heapMb}`],
    env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let message: { ok: boolean; requests?: number; expected: number; bytes: number; error?: string; peak: MemoryPeaks } | undefined;
  child.on('message', (m: typeof message) => {
    message = m;
    child.kill();
  });
  child.send({ entry: job.entry, call: job.call, bytes: job.bytes, file: job.file, sources: transpiledSources(job.entry) });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      if (message?.ok) return resolve({ kind: 'finished', requests: message.requests, expected: message.expected, bytes: message.bytes, peak: message.peak });
      if (message) return resolve({ kind: 'failed', error: message.error ?? 'an unknown error' });
      if (/heap out of memory|Reached heap limit/i.test(stderr)) return resolve({ kind: 'out-of-memory', stderr });
      if (code === 0 && signal === null) return resolve({ kind: 'never-finished' });
      resolve({ kind: 'died', detail: signal ? `killed by ${signal}` : `exit code ${code}`, stderr });
    });
  });
}
