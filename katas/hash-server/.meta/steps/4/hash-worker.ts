/**
 * hash-worker: the entry point of the worker thread that runs one job. hash-server.ts starts one
 * per job with the job as `workerData`; the worker posts the hash back and ends. A throw here
 * reaches the main thread as the Worker's 'error' event.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { type HashJob, stretchKey } from './key-stretch';

const { password, salt, rounds } = workerData as HashJob;
parentPort!.postMessage(stretchKey(password, salt, rounds));
