/**
 * hash-worker: the entry point of the worker thread that runs one job. It answers on the port it
 * is given, then wakes the main thread, which waits on `done` with Atomics.wait.
 *
 * WRONG (kept for the verifier): the other half of a synchronous worker call (see hash-server.ts).
 */
import { type MessagePort, workerData } from 'node:worker_threads';

import { type HashJob, stretchKey } from './key-stretch';

const { job, port, done } = workerData as { job: HashJob; port: MessagePort; done: Int32Array };
try {
  port.postMessage({ hash: stretchKey(job.password, job.salt, job.rounds) });
} catch (err) {
  port.postMessage({ error: { name: (err as Error).name, message: (err as Error).message } });
}
Atomics.store(done, 0, 1);
Atomics.notify(done, 0);
