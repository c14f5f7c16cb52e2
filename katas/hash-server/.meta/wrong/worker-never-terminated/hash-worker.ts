/**
 * hash-worker: the entry point of the worker thread that runs jobs. It takes each job posted to
 * it, and posts back `{ hash }`, or `{ error }` when the job throws.
 *
 * WRONG (kept for the verifier): a listener on parentPort keeps the thread alive after its job.
 */
import { parentPort } from 'node:worker_threads';

import { type HashJob, stretchKey } from './key-stretch';

parentPort!.on('message', (job: HashJob) => {
  try {
    parentPort!.postMessage({ hash: stretchKey(job.password, job.salt, job.rounds) });
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).message });
  }
});
