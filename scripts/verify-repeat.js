#!/usr/bin/env node
/**
 * `npm run verify:repeat [-- --runs N] [--idle] [kata...]`: every wrong refactoring, every
 * correct alternative and every step snapshot of each kata, N times each (default 10), while
 * busy-loop processes keep every core busy (unless --idle). A wrong refactoring must be caught
 * on every run and a correct one pass on every run: a verdict that changes between runs, on a
 * loaded machine, is a defect of the tests. Prints each claim that ever failed, with the runs it
 * failed in; exit 1 if any did.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const { keepCoresBusy } = require('./soak');

function main(argv) {
  let runs = 10;
  let idle = false;
  const katas = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else if (argv[i] === '--idle') idle = true;
    else katas.push(argv[i]);
  }
  if (!Number.isInteger(runs) || runs < 1) {
    console.error('verify:repeat: --runs takes a whole number of runs, 1 or more: for example --runs 10.');
    return 2;
  }
  const busy = idle ? undefined : keepCoresBusy();
  console.error(`verify:repeat: ${runs} run(s) of every wrong and alternative refactoring and step snapshot of ${katas.length ? katas.join(', ') : 'every kata'}, ${busy ? `${busy.count} busy-loop process(es) keeping the cores busy` : 'idle machine'}`);
  const started = Date.now();
  try {
    const result = spawnSync(process.execPath, [path.join(__dirname, '..', 'bin', 'kata.js'), 'verify', ...katas, '--repeat', String(runs), '--only', 'wrong,alternative,step'], { stdio: 'inherit' });
    console.error(`verify:repeat: ${result.status === 0 ? 'every verdict held on every run' : 'some claims failed, on some or all runs (above)'}, in ${Math.round((Date.now() - started) / 1000)} s.`);
    return result.status ?? 1;
  } finally {
    busy?.stop();
  }
}

process.exitCode = main(process.argv.slice(2));
