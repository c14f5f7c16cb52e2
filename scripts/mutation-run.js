#!/usr/bin/env node
/**
 * One test run for mutation testing (scripts/mutation.js): the kata's tests, with its pinning
 * tests, against its reference solution, in the folder Stryker prepared (the reference there
 * holds Stryker's mutants, one switched on per run). Exit 0 when every test passes (the mutant
 * survived), 1 when one fails (killed).
 *
 * Usage: node scripts/mutation-run.js <kata>
 */
'use strict';
require('../bin/ts-cache').register();
const path = require('node:path');
const { loadKata } = require('../src/kata/metadata.ts');
const { runKata } = require('../src/runner/run-kata.ts');

async function main(name) {
  const kata = loadKata(path.join(__dirname, '..', 'katas', name));
  const pinning = kata.meta.pinningTests ? [`${kata.meta.pinningTests}/**/*.test.ts`] : [];
  // A mutant that hangs is Stryker's to time out; this bound only keeps a stray run from living on.
  const result = await runKata(kata, { implDirs: [path.join(kata.dir, kata.meta.solution)], extraSpecs: pinning, coverage: false });
  try {
    const failed = result.tests.filter((t) => t.state === 'failed');
    if (result.crash || result.timedOut || result.tests.length === 0) return 1;
    return failed.length === 0 ? 0 : 1;
  } finally {
    result.dispose();
  }
}

main(process.argv[2]).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 2;
  },
);
