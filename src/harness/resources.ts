/**
 * What the process has pending right now, counted by kind, the same way on every Node line the
 * library supports. Quiet detection ("nothing is left to happen") and the leak check both read it.
 *
 * Two public APIs, each for what it sees on every line:
 * - handles, timers and immediates: `process.getActiveResourcesInfo()`;
 * - requests (a file operation, a DNS lookup in flight): an async hook. The listing cannot be
 *   trusted with them: on Node 26, `fs.readFile` and `fs.writeFile` (callback and `fs/promises`
 *   alike) run as a request that `getActiveResourcesInfo()` does not list, so code still reading
 *   a file looked finished. The hook sees each request from its start until one turn after its
 *   callback has run; synchronous fs calls announce none.
 *
 * The hook asks for no promise events (`trackPromises: false`, Node 24+): on older lines, which
 * ignore the option, V8's promise hooks run too, at a cost too small to measure in a kata's tests.
 * Worker threads are not resources of this thread: `liveWorkerCount()` (leaks.ts) counts them.
 *
 * @example
 * activeResources(); // Map { 'FSREQCALLBACK' => 2, 'Timeout' => 1, 'TCPServerWrap' => 1 }
 */
import { createHook, type HookCallbacks } from 'node:async_hooks';

/**
 * The kind under which a completion held by a test's gate (`fsFaults.hold`) is counted: the
 * operation has finished, but the code under test has not been told yet, so work is still to come.
 */
export const HELD_COMPLETION = 'HeldCompletion';

/**
 * Async-hook types that are requests: one file-system or DNS operation in flight, whose resource
 * is destroyed one turn after its callback. The set the listing was meant to cover, named here
 * rather than matched: crypto jobs also say REQUEST, but a synchronous one (`randomBytes(6)`
 * with no callback) is announced too and destroyed only by the garbage collector, so it would
 * look pending for ever.
 */
const REQUEST_TYPES: ReadonlySet<string> = new Set([
  'FSREQCALLBACK',
  'FSREQPROMISE',
  'FILEHANDLECLOSEREQ',
  'GETADDRINFOREQWRAP',
  'GETNAMEINFOREQWRAP',
  'QUERYWRAP',
  HELD_COMPLETION,
]);
/** The listing's names for requests, which the hook counts instead. */
const LISTED_REQUEST = /Req/;

interface Tracker {
  live: Map<number, string>;
  held: Set<object>;
}

// One tracker per thread, however many copies of this module are loaded (a kata's tests and the
// root hooks can reach the harness by different paths): each copy would otherwise count alone.
const KEY = Symbol.for('callback-katas.requests-in-flight');
const g = globalThis as Record<symbol, Tracker | undefined>;
const tracker: Tracker = g[KEY] ?? startTracking();

function startTracking(): Tracker {
  const state: Tracker = { live: new Map(), held: new Set() };
  const callbacks: HookCallbacks & { trackPromises: boolean } = {
    init(asyncId, type) {
      if (REQUEST_TYPES.has(type)) state.live.set(asyncId, type);
    },
    destroy(asyncId) {
      state.live.delete(asyncId);
    },
    trackPromises: false,
  };
  createHook(callbacks).enable();
  g[KEY] = state;
  return state;
}

/** Requests in flight, by async-hook type (FSREQCALLBACK, FSREQPROMISE, GETADDRINFOREQWRAP...). */
export function requestsInFlight(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of tracker.live.values()) counts.set(type, (counts.get(type) ?? 0) + 1);
  if (tracker.held.size > 0) counts.set(HELD_COMPLETION, tracker.held.size);
  return counts;
}

/**
 * Counts a completion a test holds back as pending work until the returned function is called:
 * a detector must not conclude that code waiting for it has stalled or finished.
 */
export function countHeldCompletion(): () => void {
  const token = {};
  tracker.held.add(token);
  return () => {
    tracker.held.delete(token);
  };
}

/** Whether `type`, as `activeResources()` names it, is a request. */
export function isRequest(type: string): boolean {
  return REQUEST_TYPES.has(type);
}

/** Handles, timers and immediates by the listing's names, and requests by the hook's. */
export function activeResources(): Map<string, number> {
  const counts = requestsInFlight();
  for (const type of process.getActiveResourcesInfo()) {
    if (!LISTED_REQUEST.test(type)) counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}
