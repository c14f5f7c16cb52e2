#!/usr/bin/env node
// The soak: the same verification N times in a row (default 20) while busy-loop processes keep
// every core busy. The harness decides "quiet", "never called" and "leaked" by turns of the event
// loop, and kata runs have timeouts: a loaded machine is where such verdicts go wrong, so a check
// that fails once in twenty runs here is a flaky check, not bad luck.
//
//   npm run soak [-- N]            every kata verified (node bin/kata.js verify --json), N times
//   npm run soak -- N --kata a --kata b   only those katas (after fixing a flake in one of them)
//   npm run soak:harness [-- N]    the harness's own tests (test/harness), N times
//
// Options: --node <path or version> (or SOAK_NODE=...) runs the verification under another Node:
// a path to a binary, or a version from package.json's config.nodeLines, installed the way the
// Node-line matrix installs it (scripts/node-lines.js). --suite harness is what soak:harness runs.
//
// It prints each failed run as it happens, then every claim or test that ever failed with how many
// times, and last a line `soak: <passed> passed, <failed> failed`. Exit code 0 only if no run
// failed; 2 for a usage error.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const { parseArgs } = require('node:util');

const path = require('node:path');

const { configuredLines, install, harnessTests, verify, stopRuns } = require('./node-lines');

/** The katas there are: folders of katas/ with a kata.json. */
function kataNames() {
  const dir = path.join(__dirname, '..', 'katas');
  return fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, 'kata.json'))).sort();
}

/** The gist of a message: its first line, and the next one too when the first ends with a colon. */
function firstLine(text) {
  const lines = String(text).split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[0]?.endsWith(':') && lines[1] ? `${lines[0]} ${lines[1]}` : (lines[0] ?? '');
}

const USAGE = 'Usage: node scripts/soak.js [N] [--suite verify|harness] [--kata <name>]... [--node <path or version>]';

/** Parses the command line (and SOAK_NODE); throws a usage error as a string. */
function options(argv, env = process.env) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { suite: { type: 'string', default: 'verify' }, kata: { type: 'string', multiple: true }, node: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) throw USAGE;
  if (positionals.length > 1) throw `expected at most one number of runs, got ${positionals.join(' ')}\n${USAGE}`;
  const runs = positionals[0] ?? '20';
  if (!/^[1-9][0-9]*$/.test(runs)) throw `expected the number of runs as a positive integer, got "${runs}"\n${USAGE}`;
  if (values.suite !== 'verify' && values.suite !== 'harness') throw `--suite is verify or harness, got "${values.suite}"`;
  const katas = values.kata ?? [];
  if (katas.length > 0 && values.suite === 'harness') throw '--kata chooses katas to verify; the harness suite has none';
  const known = kataNames();
  const unknown = katas.filter((k) => !known.includes(k));
  if (unknown.length > 0) throw `--kata ${unknown.join(', ')}: no such kata; the katas are ${known.join(', ')}`;
  return { runs: Number(runs), suite: values.suite, katas, node: values.node ?? (env.SOAK_NODE || undefined) };
}

/** The Node binary to soak under: the current one, a path, or a matrix line installed on demand. */
function nodeBinary(spec) {
  if (!spec) return process.execPath;
  if (/^v?\d+\.\d+\.\d+$/.test(spec)) {
    const version = spec.replace(/^v/, '');
    const lines = configuredLines();
    if (!lines.includes(version)) throw `--node ${spec}: not one of package.json's config.nodeLines (${lines.join(', ')}); give a path to the binary instead`;
    return install(version);
  }
  if (!fs.existsSync(spec)) throw `--node ${spec}: no such file`;
  return spec;
}

/**
 * Starts one busy-loop process per core and returns the function that stops them. Each loop also
 * ends by itself once this process is gone (its parent changes), so a killed soak leaves none.
 */
function keepCoresBusy(count = os.availableParallelism?.() ?? os.cpus().length) {
  // process.ppid is read once at start-up; signal 0 asks whether the parent still exists.
  const loop = `for (let i = 1; ; i++) if (i % 1e8 === 0) try { process.kill(${process.pid}, 0) } catch { process.exit(0) }`;
  const children = Array.from({ length: count }, () => spawn(process.execPath, ['-e', loop], { stdio: 'ignore' }));
  const stop = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', stop);
  process.once('exit', stopRuns);
  return { count, stop };
}

/**
 * One run of the suite under `node`: the claims or tests that failed, each with a title and the
 * first line of what went wrong. An empty list is a passed run.
 */
async function runOnce(suite, node, katas = []) {
  if (suite === 'harness') {
    const result = await harnessTests(node);
    const failures = result.failures.map((f) => ({ title: `test ${f.title}`, detail: f.message }));
    // A crash or a non-zero exit with no failing test still fails the run.
    if (failures.length === 0 && result.problems.length > 0) failures.push({ title: 'the harness tests', detail: firstLine(result.problems[0]) });
    return failures;
  }
  let reports;
  try {
    reports = await verify(node, katas);
  } catch (err) {
    return [{ title: 'kata verify', detail: String(err.message).split('\n')[0] }];
  }
  return verifyFailures(reports);
}

/** The failed claims of `kata verify --json` reports, and the failed tests where every test must pass. */
function verifyFailures(reports) {
  const failures = [];
  for (const report of reports) {
    if (!Array.isArray(report?.claims)) throw new Error(`kata verify --json gave a report without its claims: ${JSON.stringify(report).slice(0, 200)}`);
    for (const claim of report.claims) {
      if (claim.problems.length === 0) continue;
      const more = claim.problems.length > 1 ? ` (and ${claim.problems.length - 1} more problem(s))` : '';
      failures.push({ title: `claim ${report.kata}: ${claim.subject}`, detail: `${firstLine(claim.problems[0])}${more}` });
      // Where every test must pass (the reference, an alternative), each failed test is a title too;
      // for the starter and the wrong refactorings failing tests are the point, the claim says what is off.
      if (claim.kind !== 'solution' && claim.kind !== 'alternative') continue;
      for (const t of claim.failures) failures.push({ title: `test ${report.kata}: ${t.fullTitle}`, detail: firstLine(t.message ?? '(no message)') });
    }
  }
  return failures;
}

/** Counts, per title, the runs a claim or test failed in, keeping the distinct details. */
function tally(failedRuns) {
  const byTitle = new Map();
  for (const failures of failedRuns) {
    // Once per run: a test fails in several claims of one run (the reference and the alternatives).
    const seen = new Set();
    for (const { title, detail } of failures) {
      const d = detail.length > 300 ? `${detail.slice(0, 300)}...` : detail;
      if (seen.has(`${title}\n${d}`)) continue;
      const entry = byTitle.get(title) ?? byTitle.set(title, { title, times: 0, details: new Map() }).get(title);
      if (!seen.has(title)) entry.times += 1;
      seen.add(title).add(`${title}\n${d}`);
      entry.details.set(d, (entry.details.get(d) ?? 0) + 1);
    }
  }
  // The claims first (what the verifier says), then the tests, most frequent first.
  const rank = (e) => (e.title.startsWith('claim ') ? 0 : 1);
  return [...byTitle.values()].sort((a, b) => rank(a) - rank(b) || b.times - a.times || a.title.localeCompare(b.title));
}

function summary({ runs, passed, failedRuns }) {
  const lines = [`runs: ${runs}`, `failures: ${runs - passed} run(s) failed`];
  const entries = tally(failedRuns);
  if (entries.length > 0) {
    lines.push(`failed, with the number of runs (of ${runs}) each failed in:`);
    for (const e of entries) {
      lines.push(`  ${e.times}x ${e.title}`);
      for (const [detail, n] of e.details) lines.push(`       ${e.details.size > 1 ? `${n}x ` : ''}${detail}`);
    }
  }
  lines.push(`soak: ${passed} passed, ${runs - passed} failed`);
  return lines.join('\n');
}

async function main(argv) {
  const opts = options(argv);
  const node = nodeBinary(opts.node);
  const what = opts.suite === 'harness' ? 'the harness tests' : opts.katas.length > 0 ? `${opts.katas.join(', ')} verified` : 'every kata verified';
  const busy = keepCoresBusy();
  process.stderr.write(`soak: ${what}, ${opts.runs} run(s) under ${node}, ${busy.count} busy-loop process(es) keeping the cores busy\n`);
  let passed = 0;
  const failedRuns = [];
  try {
    for (let i = 1; i <= opts.runs; i++) {
      const started = Date.now();
      const failures = await runOnce(opts.suite, node, opts.katas);
      const took = `${Math.round((Date.now() - started) / 1000)} s`;
      if (failures.length === 0) {
        passed += 1;
        process.stderr.write(`soak: run ${i} of ${opts.runs} passed (${took})\n`);
      } else {
        failedRuns.push(failures);
        process.stderr.write(`soak: run ${i} of ${opts.runs} failed (${took}):\n${failures.map((f) => `  ${f.title}\n      ${f.detail}`).join('\n')}\n`);
      }
    }
  } finally {
    busy.stop();
  }
  process.stdout.write(`${summary({ runs: opts.runs, passed, failedRuns })}\n`);
  return failedRuns.length === 0 ? 0 : 1;
}

module.exports = { options, keepCoresBusy, verifyFailures, tally, summary };

if (require.main === module) {
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`soak: ${typeof err === 'string' ? err : err.message}\n`);
      process.exitCode = 2;
    },
  );
}
