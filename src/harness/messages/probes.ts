/**
 * Every message the probes (event loop, worker threads, files read at once, fake time) show a
 * learner. Kept apart from ../messages.ts so the probes can be reviewed, and wired, on their own;
 * each message says what happened, the usual cause, and what to do next.
 *
 * @example
 * throw new KataAssertionError(probeMessages.blockedEventLoop('hashAll(files)', 0.97, 812, 840, 0));
 */

const percent = (fraction: number): string => `${Math.round(fraction * 100)}%`;
const ms = (n: number): string => `${Math.round(n)} ms`;
const list = (names: readonly string[]): string => (names.length === 0 ? 'none' : names.join(', '));

export const probeMessages = {
  // Event loop and worker threads
  blockedEventLoop: (call: string, stallFraction: number, longestGapMs: number, durationMs: number, beats: number) =>
    `${call} blocked the event loop for ${percent(stallFraction)} of the job (${ms(longestGapMs)} of ${ms(durationMs)} without a single turn): ` +
    'the work ran on the main thread; move it to a worker (worker_threads), so the process can keep serving other work meanwhile.' +
    (beats > 0
      ? ' It awaited something first and then computed: an `await` before heavy work does not move that work off the main thread.'
      : ''),
  noWorkerStarted: (call: string) =>
    `${call}: no worker thread was started. The heavy work must run in a \`new Worker(...)\` from worker_threads; ` +
    'an async function or a promise still runs its code on the main thread.',
  jobTooShortToJudge: (call: string, durationMs: number, minDurationMs: number) =>
    `${call} finished in ${ms(durationMs)}, too short to tell whether it blocked the event loop (at least ${ms(minDurationMs)} is needed). ` +
    'This is a problem of the test, not of your code: the kata should give the job more work.',

  // Files read at once
  readSerially: (call: string, expected: number, readingNow: readonly string[]) =>
    `${call} read only ${readingNow.length} file(s) at once (${list(readingNow)}) and then waited, but ${expected} should have been read at the same time. ` +
    'The code waits for each read to finish before it starts the next (an `await` inside a for loop?): ' +
    'start the reads first, then await them together (Promise.all), or keep a pool of reads going.',
  exceededLimit: (call: string, limit: number, readingNow: readonly string[]) =>
    `${call} read ${readingNow.length} files at once (${list(readingNow)}), but the limit is ${limit}. ` +
    'Start a new read only when one of the running reads has finished.',
  didNotRefill: (call: string, finished: string, expected: number, readingNow: readonly string[]) =>
    `after ${finished} was read, ${call} kept only ${readingNow.length} read(s) going (${list(readingNow)}) where ${expected} were possible. ` +
    'It waits for a whole batch to finish before starting the next (Promise.all over slices?): ' +
    'start the next file as soon as any read finishes, so the pool stays full.',
  readSynchronously: (file: string) =>
    `${file} was read with a synchronous call (readFileSync, openSync, ...): it blocks the whole process, so no other file ` +
    'can be read meanwhile. Use the fs/promises version and await it.',
  neverRead: (call: string, files: readonly string[]) =>
    `${call} finished, but never read ${list(files)}. Every input file must be read.`,

  // Fake time
  stillPendingAfterFakeTime: (call: string, fakeMs: number | 'all') =>
    `${call} was still pending after ${fakeMs === 'all' ? 'every fake timer had run' : `${ms(fakeMs)} of fake time`}. ` +
    'Either it waits for something that never happens, or it waits with a timer the fake clock does not control ' +
    '(AbortSignal.timeout(), or a timers/promises function captured when the module loaded): ' +
    'use setTimeout (with an AbortController to cancel) and look timer functions up when you call them.',
} as const;
