/**
 * The pricing service as the tests script it: a real HTTP server on 127.0.0.1 (the harness's
 * loopback server) whose every request is held at a gate, and a driver that plays one call of
 * getJson to its end: it lets one request through at a time, and moves the fake clock only when
 * nothing is in flight, to the next timer. The clock never moves while a request travels, so the
 * fake time at which each request arrives is exactly when the client sent it.
 */
import type * as http from 'node:http';

import { type FakeTime, type Gate, KataAssertionError, type LoopbackServer, messages, outcome, type Outcome, scopedCapture, untilDoneOrStalled } from '../../../../src/harness';

/** What the server answers to one attempt. */
export interface Answer {
  status?: number;
  json?: unknown;
  /** Sent as is (a body that is not JSON). */
  body?: string;
  headers?: Record<string, string>;
  /**
   * 'reset': a TCP RST (ECONNRESET); 'destroy': the connection closed without an answer;
   * 'stall-body': the headers and half the body, then nothing more (the connection stays open).
   */
  fault?: 'reset' | 'destroy' | 'stall-body';
}

export const PATH = '/prices/EURUSD';

export interface Script {
  url: string;
  gate: Gate;
  /** The fake time (ms since the test's start) at which each attempt reached the server. */
  readonly times: number[];
}

/**
 * Answers the nth request with the nth answer (the last one repeats), holding each at a gate.
 * With `hold` false, requests are answered at once. Every answer closes its connection (`Connection: close`): no idle keep-alive socket is left to
 * blur what the client itself keeps open.
 */
export function script(server: LoopbackServer, answers: Answer[], start: number, options: { hold?: boolean; path?: string } = {}): Script {
  const { hold = true, path = PATH } = options;
  const times: number[] = [];
  const handlers = answers.map((answer) => (_req: unknown, res: http.ServerResponse) => {
    times.push(Date.now() - start);
    if (answer.fault === 'reset') {
      res.socket?.resetAndDestroy();
      return;
    }
    if (answer.fault === 'destroy') {
      res.socket?.destroy();
      return;
    }
    const body = answer.body ?? JSON.stringify(answer.json ?? {});
    res.writeHead(answer.status ?? 200, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
      ...answer.headers,
    });
    if (answer.fault === 'stall-body') res.write(body.slice(0, Math.floor(body.length / 2)));
    else res.end(body);
  });
  server.route('GET', path, handlers);
  return { url: `${server.url}${path}`, gate: server.gate({ path: hold ? path : '/nothing-is-held' }), times };
}

/**
 * Plays `run` to its end: each request that arrives is let through; when nothing is in flight
 * and the client has gone quiet, the fake clock moves to the next timer. Resolves with how the
 * call settled, at the moment it settled.
 */
export async function drive<T>(label: string, run: Promise<T>, gate: Gate, time: FakeTime): Promise<Outcome<T>> {
  let settled: Outcome<T> | undefined;
  void outcome(run).then((o) => (settled = o));
  for (let steps = 0; steps < 200; steps += 1) {
    // Every timer is fake, so an idle loop with nothing on the wire is the client waiting for
    // the clock: the step needs no stall floor where the kernel can say so (Linux).
    await untilDoneOrStalled({ done: () => settled !== undefined || gate.inFlight > 0, progress: () => gate.arrived + gate.abandoned, wire: [gate.port] });
    if (settled) return settled;
    if (gate.inFlight > 0) {
      gate.releaseOne();
      continue;
    }
    if (time.clock.countTimers() === 0) {
      throw new KataAssertionError(`${label} is still pending, but it sends no request and waits on no timer: it will never settle.`);
    }
    await time.clock.nextAsync();
  }
  throw new KataAssertionError(`${label} kept the clock running for 200 timers without settling: is it retrying forever?`);
}

interface FakeTimer {
  delay?: number;
  callAt: number;
}

/**
 * The fake timers still pending whose delay is one of `delays`: the client's own (fetch keeps a
 * timer of its own on the same clock, with another delay).
 */
export function pendingTimers(time: FakeTime, delays: number[]): FakeTimer[] {
  const timers = (time.clock as unknown as { timers?: Map<number, FakeTimer> }).timers ?? new Map<number, FakeTimer>();
  return [...timers.values()].map((t) => ({ delay: t.delay, callAt: t.callAt })).filter((t) => t.delay !== undefined && delays.includes(t.delay));
}

/**
 * Calls a callback API and records each call. `run` settles at the first call, or rejects with
 * a learner's message when an error escapes from what the call started (a throw inside an event
 * handler). `release()` ends the capture of escaped errors; call it when the test is done.
 */
export function recordCallback(label: string, invoke: (cb: (err: Error | null, value?: unknown) => void) => void): { run: Promise<unknown>; calls: unknown[][]; release: () => void } {
  const calls: unknown[][] = [];
  let release = () => {};
  const run = new Promise<unknown>((resolve, reject) => {
    const escapes = scopedCapture((err) => reject(new KataAssertionError(`${label}: ${messages.escapedException(err)}`)));
    release = () => escapes.release();
    escapes.run(() =>
      invoke((err, value) => {
        calls.push([err, value]);
        if (err) reject(err);
        else resolve(value);
      }),
    );
  });
  return { run, calls, release };
}

/** Resolves once a request is held at the gate; fails with a learner's message when none comes. */
export async function requestArrived(gate: Gate, label: string): Promise<void> {
  const verdict = await untilDoneOrStalled({ done: () => gate.inFlight > 0, progress: () => gate.arrived });
  if (verdict === 'stalled') throw new KataAssertionError(`${label} sent no request (or settled before sending one): expected a GET to the pricing server`);
}
