/**
 * What a process holds open, and what a test added to it.
 *
 * Pending work by kind comes from resources.ts (handles and timers as
 * `process.getActiveResourcesInfo()` lists them, requests in flight as an async hook sees them, so
 * that every Node line reports the same). Neither lists open file descriptors nor worker threads,
 * so the snapshot adds the regular files in /proc/self/fd and the workers still running.
 *
 * @example
 * const before = await takeSnapshot();
 * // ... run the code under test ...
 * const leaks = findLeaks(before, await takeSnapshot()); // ['a server still listening: ...']
 */
import * as fs from 'node:fs';
import workerThreads = require('node:worker_threads');

import { fsFaults } from './fs-faults';
import { activeResources, isRequest } from './resources';

export interface ResourceSnapshot {
  /** Count of each kind of pending work, as `activeResources()` names it. */
  resources: Map<string, number>;
  /** fd number -> what it points at, for regular files only. */
  files: Map<string, string>;
  /** Worker threads started and not yet exited, by thread id. */
  workers: Set<number>;
}

// Worker threads are tracked as the public Worker objects, through a subclass installed before
// any test file loads (code that imports Worker gets it), so a leaked one can be terminated. A
// worker counts as alive until its 'exit' event (an async hook's destroy comes a turn later).
const liveWorkers = new Set<workerThreads.Worker>();
const TRACKING = Symbol.for('callback-katas.worker-tracking');
const g = globalThis as Record<symbol, unknown>;
if (!g[TRACKING]) {
  g[TRACKING] = true;
  const Original = workerThreads.Worker;
  workerThreads.Worker = class TrackedWorker extends Original {
    constructor(...args: ConstructorParameters<typeof Original>) {
      super(...args);
      liveWorkers.add(this);
      this.once('exit', () => liveWorkers.delete(this));
    }
  };
}

/** Worker threads started and not yet exited. */
export function liveWorkerCount(): number {
  return liveWorkers.size;
}

/**
 * Terminates the workers started since `before` and still running, so that a test that leaked
 * one (already reported) cannot keep the whole run alive.
 */
export async function terminateWorkersSince(before: ResourceSnapshot): Promise<void> {
  await Promise.all([...liveWorkers].filter((w) => !before.workers.has(w.threadId)).map((w) => w.terminate()));
}

/** How a learner would name each kind of resource, and how to close it. */
const NAMES: Record<string, string> = {
  TCPServerWrap: 'a server still listening (TCPSERVERWRAP): call server.close() and wait for it to finish',
  TCPSocketWrap: 'an open TCP connection (TCPSOCKETWRAP): destroy or end the socket, or consume the response body so it can be reused',
  PipeServerWrap: 'a server still listening on a pipe: call server.close()',
  PipeWrap: 'an open pipe: close or destroy the stream',
  Timeout: 'a timer still pending (Timeout): clearTimeout/clearInterval it once it is no longer needed, or .unref() it',
  Immediate: 'a setImmediate callback that has not run yet',
  FSREQCALLBACK: 'a file-system operation still running after the test ended: some work was not waited for',
  FSREQPROMISE: 'a file-system promise still running after the test ended: some work was not awaited',
  FILEHANDLECLOSEREQ: 'a FileHandle still closing after the test ended: await handle.close()',
  GETADDRINFOREQWRAP: 'a DNS lookup still running',
  ProcessWrap: 'a child process still running: kill it or wait for it to exit',
  TTYWrap: 'a terminal stream',
  UDPWrap: 'an open UDP socket: call socket.close()',
  FSEventWrap: 'a file watcher still open: call watcher.close()',
  StatWatcher: 'fs.watchFile still watching: call fs.unwatchFile()',
  MessagePort: 'a MessagePort still open: call port.close()',
};

export async function takeSnapshot(): Promise<ResourceSnapshot> {
  return {
    resources: activeResources(), files: fsFaults.untracked(openFiles), workers: new Set([...liveWorkers].map((w) => w.threadId)) };
}

// Captured at load: sinon's default fake set replaces these, and the wait below runs on real time.
const realSetTimeout = setTimeout;
const realNow = performance.now.bind(performance);
/**
 * Kinds of pending work that end on their own once a test has closed what it opened: a client
 * socket whose server has closed (it closes when the event loop reads the FIN), a server whose
 * close is under way, an immediate the runtime queued while tearing a connection down.
 */
const SETTLING_KINDS = ['TCPSocketWrap', 'TCPServerWrap', 'Immediate'];

function settlingAbove(before: ResourceSnapshot): boolean {
  const now = activeResources();
  return SETTLING_KINDS.some((kind) => (now.get(kind) ?? 0) > (before.resources.get(kind) ?? 0));
}

/**
 * Waits, by the clock and at most `limitMs`, until no more sockets, servers and immediates are
 * pending than in `before`. On an idle machine they are gone within a turn or two of the test's
 * end; on a loaded one it can take longer. Called before anything is reported as left open, so
 * the verdict does not depend on the machine's load; a socket or server really left open is still
 * open at the limit, and reported.
 */
export async function transientWorkSettled(before: ResourceSnapshot, limitMs: number): Promise<void> {
  const until = realNow() + limitMs;
  while (settlingAbove(before) && realNow() < until) await new Promise<void>((resolve) => realSetTimeout(resolve, 5));
}

/** Descriptions, in a learner's words, of what `after` holds open that `before` did not. */
export function findLeaks(before: ResourceSnapshot, after: ResourceSnapshot): string[] {
  const leaks: string[] = [];
  for (const [type, count] of after.resources) {
    const extra = count - (before.resources.get(type) ?? 0);
    if (extra > 0) leaks.push(`${extra > 1 ? `${extra} x ` : ''}${NAMES[type] ?? (isRequest(type) ? `a ${type} still running after the test ended: some work was not awaited` : `a ${type} handle`)}`);
  }
  for (const [fd, target] of after.files) {
    if (before.files.get(fd) !== target) leaks.push(`an open file, ${target} (fd ${fd}): close its FileHandle or stream, in a finally block`);
  }
  const workers = [...after.workers].filter((w) => !before.workers.has(w));
  if (workers.length > 0) {
    leaks.push(`${workers.length} worker thread(s) still running (threadId ${workers.join(', ')}): call worker.terminate() or let it exit`);
  }
  return leaks;
}

/**
 * Files the runtime opens for itself, never the code under test: devices, process information,
 * the system's certificate stores and time zone data. Node 26's fetch reads
 * /etc/ssl/certs/ca-certificates.crt on first use, asynchronously, and that read can still be open
 * when the test that made the first request ends. Named one by one, not as all of /etc or /usr: a
 * learner may keep the katas under /usr/local/src.
 */
const RUNTIME_OWN = ['/dev/', '/proc/', '/sys/', '/etc/ssl/', '/etc/pki/', '/usr/lib/ssl/', '/usr/share/ca-certificates/', '/usr/share/zoneinfo/', '/etc/localtime'];

function openFiles(): Map<string, string> {
  const files = new Map<string, string>();
  let fds: string[];
  try {
    fds = fs.readdirSync('/proc/self/fd');
  } catch {
    return files; // not Linux: handles and workers are still checked
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed meanwhile (the directory listing's own fd)
    }
    // Sockets and pipes are reported as handles above; system files belong to the runtime.
    if (target.startsWith('/') && !RUNTIME_OWN.some((dir) => target.startsWith(dir))) files.set(fd, target);
  }
  return files;
}
