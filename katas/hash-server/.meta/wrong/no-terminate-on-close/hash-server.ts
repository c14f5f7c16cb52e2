/**
 * hash-server: the password-stretching service.
 *
 * `POST /hash` with a JSON job `{"password", "salt", "rounds"}` answers `{"hash": "..."}`: the
 * password stretched with the salt for that many rounds (key-stretch.ts). `GET /health` answers
 * `{"status": "ok", "running": n}`, n being the /hash jobs in progress. The load balancer calls
 * /health every second and takes the instance out of rotation when it does not answer in time.
 *
 * Each job runs in a worker thread of its own (hash-worker.ts), so the main thread only takes
 * requests and hands them on: /health answers while any number of hashes are being computed.
 *
 * WRONG (kept for the verifier): close() only closes the HTTP server and lets running jobs finish: it waits for every hash in flight instead of terminating the workers.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { text } from 'node:stream/consumers';
import { callbackify, promisify } from 'node:util';
import { Worker } from 'node:worker_threads';

import type { HashJob } from './key-stretch';

export type { HashJob };

export interface HashServerOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

/** A running server, as old callers get it. */
export interface HashServer {
  /** Where it listens: `http://127.0.0.1:<port>`. */
  url: string;
  /** Stops the server; calls back once it is closed. */
  close(callback: (err?: Error | null) => void): void;
}

export type StartCallback = (err: Error | null, server?: HashServer) => void;

/** A running server, as new callers want it. */
export interface PromiseHashServer {
  readonly url: string;
  /**
   * Stops taking connections, stops the jobs still running (their clients get 503 with a JSON
   * body), and resolves once the server is closed and nothing it started is left running.
   */
  close(): Promise<void>;
}

// The worker is the same kind of file as this one: .ts in the tests, .js once compiled. A worker
// thread inherits this thread's execArgv, which is how it gets the TypeScript loader the tests
// run under (node --require …/register-ts.js): pass no execArgv of your own, or start from
// process.execArgv.
const WORKER_FILE = path.join(__dirname, `hash-worker${path.extname(__filename)}`);

/**
 * Runs one job in a worker thread of its own. Resolves with the hash; rejects with what the job
 * threw, or with an AbortError once `signal` aborts (the worker is then terminated). Either way
 * the worker has exited by the time the promise settles.
 */
async function stretchKeyInWorker(job: HashJob, signal?: AbortSignal): Promise<string> {
  const worker = new Worker(WORKER_FILE, { workerData: job });
  // Listened for from the start: a worker can post its hash and exit within one turn.
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  try {
    // `once` rejects when the worker emits 'error' (a throw inside it), or when `signal` aborts.
    const [hash] = (await once(worker, 'message', { signal })) as [string];
    return hash;
  } finally {
    // A worker that answered or threw ends by itself; one still computing is stopped.
    if (signal?.aborted) void worker.terminate();
    await exited;
  }
}

async function startHashServerAsync(options: HashServerOptions = {}): Promise<PromiseHashServer> {
  const shutdown = new AbortController();
  let running = 0;

  const send = (res: http.ServerResponse, status: number, body: object): void => {
    const json = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(json),
      // While closing, a kept-alive connection would hold close() open until the client left.
      ...(shutdown.signal.aborted ? { connection: 'close' } : {}),
    });
    res.end(json);
  };

  const hash = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    let job: HashJob;
    try {
      // text() decodes the whole body at once: a character split across two chunks stays whole.
      job = JSON.parse(await text(req)) as HashJob;
    } catch {
      return send(res, 400, { error: 'the body is not valid JSON' });
    }
    running += 1;
    try {
      send(res, 200, { hash: await stretchKeyInWorker(job, shutdown.signal) });
    } catch (err) {
      if (shutdown.signal.aborted) return send(res, 503, { error: 'the server is shutting down' });
      send(res, 500, { error: (err as Error).message });
    } finally {
      running -= 1;
    }
  };

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok', running });
    if (req.method === 'POST' && req.url === '/hash') return void hash(req, res);
    return send(res, 404, { error: 'not found' });
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening'); // rejects with the server's 'error' (EADDRINUSE...)

  const { address, port } = server.address() as AddressInfo;
  const closeServer = promisify(server.close.bind(server));
  return {
    url: `http://${address}:${port}`,
    async close() {
      // A graceful close: stop taking connections, let the requests in flight finish.
      await closeServer();
    },
  };
}

/** The promise API new callers use. */
export const promises = {
  startHashServer: startHashServerAsync,
  stretchKey: (job: HashJob): Promise<string> => stretchKeyInWorker(job),
};

/** The callback API old callers use: a shim over the promise API. */
export const startHashServer: (options: HashServerOptions, callback: StartCallback) => void = callbackify(
  async (options: HashServerOptions): Promise<HashServer> => {
    const server = await startHashServerAsync(options);
    return { url: server.url, close: callbackify(() => server.close()) };
  },
);
