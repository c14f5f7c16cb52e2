/**
 * hash-worker: the task function of the piscina pool. piscina calls it with each job and
 * resolves `pool.run(job)` with what it returns, or rejects with what it throws.
 *
 * CORRECT ALTERNATIVE (kept for the verifier): see hash-server.ts.
 */
import { type HashJob, stretchKey } from './key-stretch';

export default function hash({ password, salt, rounds }: HashJob): string {
  return stretchKey(password, salt, rounds);
}
