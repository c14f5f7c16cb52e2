#!/usr/bin/env node
// How long `kata watch` takes from a save of the learner's file to the results on screen, over N
// saves, in a throwaway copy of the library (the kata in this repo is not touched). The watcher
// runs as a learner runs it (node bin/kata.js watch <kata>), its output read from a pipe; each
// save changes the learner's file for real, so the rerun recompiles it, as after a learner's edit.
// Measured twice: with the starter (a red kata: some tests fail) and with the reference solution
// (green). Prints each sample and the medians, with the machine's load, since these machines are
// shared. Compare: a cold `kata test --no-coverage` (process start, compile, run) is printed too.
//
// Usage: node scripts/bench-watch.js [kata] [saves]     (defaults: config-loader 15)
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

require('../bin/ts-cache').register();
const { cliEnv, makeSandbox } = require('../test/cli/sandbox');

const kata = process.argv[2] || 'config-loader';
const saves = Number(process.argv[3] || 15);
const PAUSE_MS = 400; // between saves, as a person typing would leave

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : Math.round((s[s.length / 2 - 1] + s[s.length / 2]) / 2);
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

/** Starts the watcher; resolves with helpers to wait for its n-th run. */
function startWatcher(root) {
  const child = spawn(process.execPath, [path.join(root, 'bin', 'kata.js'), 'watch', kata], { cwd: root, env: cliEnv() });
  let out = '';
  const waiters = [];
  child.stdout.on('data', (chunk) => {
    out += chunk.toString();
    for (const w of [...waiters]) w();
  });
  child.stderr.on('data', (chunk) => process.stderr.write(chunk));
  // One block per run, written at once: "kata watch <kata> · run <n> · <time> · <ms> ms ... Watching ...".
  const runDone = (n) =>
    new Promise((resolve, reject) => {
      const marker = new RegExp(`· run ${n} · [^·]+ · (\\d+) ms(?: \\(loading (\\d+)\\))?[\\s\\S]*?Watching `);
      const timer = setTimeout(() => reject(new Error(`no run ${n} after 120 s:\n${out.slice(-2000)}`)), 120_000);
      const check = () => {
        const m = marker.exec(out);
        if (!m) return;
        clearTimeout(timer);
        waiters.splice(waiters.indexOf(check), 1);
        resolve({ at: performance.now(), runMs: Number(m[1]), loadMs: Number(m[2] ?? NaN), block: out.slice(m.index) });
      };
      waiters.push(check);
      check();
    });
  return { child, runDone };
}

async function measure(box, file, label, content) {
  fs.writeFileSync(file, content);
  const { child, runDone } = startWatcher(box.root);
  const exited = new Promise((resolve) => child.once('close', resolve));
  try {
    const first = await runDone(1);
    const state = /(\d+) of (\d+) tests pass/.exec(first.block);
    const endToEnd = [];
    const inWorker = [];
    const loading = [];
    for (let i = 1; i <= saves; i++) {
      await sleep(PAUSE_MS);
      const saved = performance.now();
      fs.writeFileSync(file, `${content}\n// save ${i}\n`);
      const run = await runDone(i + 1);
      endToEnd.push(Math.round(run.at - saved));
      inWorker.push(run.runMs);
      loading.push(run.loadMs);
    }
    console.log(`${label} (${state ? `${state[1]} of ${state[2]} tests pass` : 'see output'}):`);
    console.log(`  save -> results printed: median ${median(endToEnd)} ms   samples ${endToEnd.join(' ')}`);
    console.log(`  of which the run (request to results): median ${median(inWorker)} ms   samples ${inWorker.join(' ')}`);
    console.log(`  of which loading the files (recompiling the saved one): median ${median(loading)} ms   samples ${loading.join(' ')}`);
    return median(endToEnd);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

async function main() {
  const box = makeSandbox();
  try {
    const meta = JSON.parse(fs.readFileSync(box.file(kata, 'kata.json'), 'utf8'));
    const rel = meta.files[0];
    const starter = fs.readFileSync(box.file(kata, rel), 'utf8');
    const reference = fs.readFileSync(box.file(kata, meta.solution, path.relative(path.dirname(rel), rel)), 'utf8');
    console.log(`kata watch ${kata}: ${saves} saves each, ${PAUSE_MS} ms apart; load average at start ${load()} (${os.cpus().length} cores)`);
    const file = box.file(kata, rel);
    const red = await measure(box, file, 'starter (red)', starter);
    const green = await measure(box, file, 'reference (green)', reference);

    const cold = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      try {
        execFileSync(process.execPath, [path.join(box.root, 'bin', 'kata.js'), 'test', kata, '--no-coverage'], { cwd: box.root, env: cliEnv(), stdio: 'ignore' });
      } catch {
        // red exits 1: the time is what counts
      }
      cold.push(Math.round(performance.now() - t0));
    }
    console.log(`for comparison, a cold \`kata test ${kata} --no-coverage\`: median ${median(cold)} ms   samples ${cold.join(' ')}`);
    console.log(`load average at end ${load()}`);
    console.log(`MEDIAN save -> results printed: ${red} ms (red), ${green} ms (green); goal 150 ms`);
  } finally {
    box.remove();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
