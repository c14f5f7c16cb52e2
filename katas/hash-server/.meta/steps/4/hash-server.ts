/**
 * hash-server: the password-stretching service.
 *
 * `POST /hash` with a JSON job `{"password", "salt", "rounds"}` answers `{"hash": "..."}`: the
 * password stretched with the salt for that many rounds (key-stretch.ts). `GET /health` answers
 * `{"status": "ok", "running": n}`, n being the /hash jobs in progress. The load balancer calls
 * /health every second and takes the instance out of rotation when it does not answer in time.
 *
 * Written in 2014 and not touched since. It works on the happy path. Your job is in README.md.
 */
import http = require('http');
import { once } from 'node:events';
import { text } from 'node:stream/consumers';
import * as path from 'node:path';
import { callbackify, promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'net';

import { type HashJob, stretchKey } from './key-stretch';

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

/**
 * The callback API. Old callers (and the safety-net tests) use it: keep its signature and
 * behaviour. A shim over the promise API.
 */
export const startHashServer: (options: HashServerOptions, callback: StartCallback) => void = callbackify(
  async (options: HashServerOptions): Promise<HashServer> => {
    const server = await promises.startHashServer(options);
    return { url: server.url, close: callbackify(() => server.close()) };
  },
);

/** The legacy version, kept until the shim below has proved itself. TODO(step 5): delete it. */
export function startHashServerLegacy(options: HashServerOptions, callback: StartCallback): void {
  var running = 0;
  var server = http.createServer(function (req, res) {
    if (req.method === 'GET' && req.url === '/health') {
      return send(res, 200, { status: 'ok', running: running });
    }
    if (req.method !== 'POST' || req.url !== '/hash') {
      return send(res, 404, { error: 'not found' });
    }
    var body = '';
    req.on('data', function (chunk: Buffer) {
      body += chunk;
    });
    req.on('end', function () {
      var job: HashJob;
      try {
        job = JSON.parse(body);
      } catch (e) {
        return send(res, 400, { error: 'the body is not valid JSON' });
      }
      // A hash does no I/O: nothing to wait for, so no callback needed.
      running++;
      var hash = stretchKey(job.password, job.salt, job.rounds);
      running--;
      send(res, 200, { hash: hash });
    });
  });

  server.once('error', callback);
  server.listen(options.port || 0, options.host || '127.0.0.1', function () {
    server.removeListener('error', callback);
    var address = server.address() as AddressInfo;
    callback(null, {
      url: 'http://' + address.address + ':' + address.port,
      close: function (done) {
        server.close(done);
      },
    });
  });
}

function send(res: http.ServerResponse, status: number, body: object, closing = false): void {
  var json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    ...(closing ? { connection: 'close' } : {}),
  });
  res.end(json);
}

// The worker is the same kind of file as this one: .ts in the tests, .js once compiled.
const WORKER_FILE = path.join(__dirname, `hash-worker${path.extname(__filename)}`);

/** Runs one job in a worker thread of its own; `signal` aborting terminates it. */
async function stretchKeyInWorker(job: HashJob, signal?: AbortSignal): Promise<string> {
  const worker = new Worker(WORKER_FILE, { workerData: job });
  const exited = once(worker, 'exit');
  try {
    const [hash] = (await once(worker, 'message', { signal })) as [string];
    return hash;
  } finally {
    if (signal?.aborted) void worker.terminate();
    await exited;
  }
}

/** The promise API new callers want. */
export const promises = {
  /** Resolves with the running server once it listens; rejects when it cannot listen. */
  async startHashServer(options: HashServerOptions = {}): Promise<PromiseHashServer> {
    const shutdown = new AbortController();
    let running = 0;
    const hash = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
      let job: HashJob;
      try {
        job = JSON.parse(await text(req)) as HashJob;
      } catch {
        return send(res, 400, { error: 'the body is not valid JSON' });
      }
      running += 1;
      try {
        send(res, 200, { hash: await stretchKeyInWorker(job, shutdown.signal) });
      } catch (err) {
        if (shutdown.signal.aborted) return send(res, 503, { error: 'the server is shutting down' }, true);
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
    await once(server, 'listening');
    const { address, port } = server.address() as AddressInfo;
    const close = promisify(server.close.bind(server));
    return {
      url: `http://${address}:${port}`,
      async close() {
        const closed = close();
        shutdown.abort();
        await closed;
      },
    };
  },

  /**
   * Resolves with the hash of one job; rejects with the job's own error (a RangeError for bad
   * rounds, a TypeError for a missing password or salt).
   */
  stretchKey(job: HashJob): Promise<string> {
    return stretchKeyInWorker(job);
  },
};
