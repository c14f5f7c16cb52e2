/**
 * The first module a kata's test process loads (mocha --require, see run-kata.ts). Code under test
 * that calls process.exit() ends the run before mocha writes its results, and often prints nothing
 * on the way out: the runner then had only "(no output)" to show. This notes where process.exit
 * was called from, and on the way out, if mocha had not finished, writes that to KATA_EXIT_FILE
 * with the test that was running (from KATA_PROGRESS_FILE, which the reporter keeps).
 */
import * as fs from 'node:fs';

/** What KATA_EXIT_FILE holds: read by run-kata.ts. */
export interface EarlyExit {
  code: number;
  /** The stack of the process.exit call, when code outside node_modules made it. */
  stack?: string;
  /** The test running then; undefined while the test files were loading. */
  test?: string;
}

const exitFile = process.env.KATA_EXIT_FILE;
const resultsFile = process.env.KATA_RESULTS_FILE;
const progressFile = process.env.KATA_PROGRESS_FILE;

if (exitFile && resultsFile) {
  let stack: string | undefined;
  const exit = process.exit.bind(process);
  process.exit = function exitProbe(code?: number | string | null) {
    const frames = new Error('process.exit').stack?.split('\n').slice(2) ?? [];
    // mocha and the tools end the process this way too, after a crash they report themselves.
    if (stack === undefined && frames[0] && !frames[0].includes('node_modules')) stack = frames.join('\n');
    return exit(code);
  } as typeof process.exit;

  process.on('exit', (code) => {
    if (fs.existsSync(resultsFile)) return; // mocha finished: this is its own way out
    let test: string | undefined;
    try {
      test = progressFile ? fs.readFileSync(progressFile, 'utf8').trim() || undefined : undefined;
    } catch {
      // no test had begun
    }
    const early: EarlyExit = { code, ...(stack ? { stack } : {}), ...(test ? { test } : {}) };
    fs.writeFileSync(exitFile, JSON.stringify(early));
  });
}
