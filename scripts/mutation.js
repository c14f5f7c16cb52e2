#!/usr/bin/env node
/**
 * `npm run mutation [-- kata...]`: mutation testing of each kata's tests against its reference
 * solution, with Stryker (the 9.x line, which runs on every Node line the library supports).
 * Stryker changes the reference one small way at a time (a condition flipped, a call removed, a
 * string emptied) and runs the kata's tests; a mutant the tests do not notice "survives". The
 * score is the share killed. Goal: 90% per kata; each survivor either gets a test or is listed
 * in the kata's .meta/equivalent-mutants.json with one line saying why no test can tell it apart.
 *
 * Stryker's command runner runs scripts/mutation-run.js for each mutant (the same runner `kata
 * verify` uses, without coverage), so mutants in worker files are tested through real workers.
 *
 * Prints, per kata: mutants, killed, survived (with file:line and the mutation), timed out, the
 * score; writes bench-results/mutation-<kata>.json. `npm run mutation -- --report [kata...]` prints the
 * same from the last run's files, judged with the equivalents lists as they are now, running nothing.
 * `npm run mutation -- --survivors [kata...]` runs again only the lines of the last run's survivors
 * that are not listed as equivalent: the check, in seconds, that the tests written for them kill
 * them; --report then counts those mutants with their new status.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const KATAS = path.join(ROOT, 'katas');

function kataNames() {
  return fs.readdirSync(KATAS).filter((n) => fs.existsSync(path.join(KATAS, n, 'kata.json'))).sort();
}

/** Survivors a kata author has shown to be equivalent: "file:line:mutator" -> why. */
function equivalents(kata, katas = KATAS) {
  const file = path.join(katas, kata, '.meta', 'equivalent-mutants.json');
  if (!fs.existsSync(file)) return {};
  const shape = 'it holds { "mutants": { "<file>:<line>:<mutator>": "<why no test can tell it apart>" } }';
  let parsed;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${path.relative(ROOT, file)} is not valid JSON (${err.message}): ${shape}`, { cause: err });
  }
  const mutants = parsed?.mutants;
  const bad = mutants && typeof mutants === 'object' ? Object.entries(mutants).filter(([key, why]) => !/^.+:\d+:\w+$/.test(key) || typeof why !== 'string' || why.trim() === '') : [];
  if (!mutants || typeof mutants !== 'object' || Array.isArray(mutants) || bad.length > 0) {
    throw new Error(`${path.relative(ROOT, file)}: ${bad.length > 0 ? `${bad.map(([k]) => JSON.stringify(k)).join(', ')} is not a "<file>:<line>:<mutator>" key with a reason` : 'no "mutants" object'}; ${shape}`);
  }
  return mutants;
}

/**
 * Runs Stryker on a kata's reference: every file, or only the given ranges ("<file>:<line>-<line>",
 * the survivors' lines), writing its report to `out`.
 */
async function mutate(kata, { ranges, out = resultsFile(kata) } = {}) {
  const { Stryker } = await import('@stryker-mutator/core');
  const meta = JSON.parse(fs.readFileSync(path.join(KATAS, kata, 'kata.json'), 'utf8'));
  const solution = path.join('katas', kata, meta.solution);
  const stryker = new Stryker({
    mutate: ranges ?? [`${solution}/**/*.ts`],
    testRunner: 'command',
    commandRunner: { command: `node scripts/mutation-run.js ${kata}` },
    coverageAnalysis: 'off',
    checkers: [],
    concurrency: 2,
    // Copy only what a run needs: the library and this kata (node_modules is symlinked).
    ignorePatterns: ['/*', '!/bin', '!/src', '!/scripts', '!/package.json', '!/tsconfig.json', '!/katas', '/katas/*', `!/katas/${kata}`, '/bench-results'],
    tempDirName: path.join('node_modules', '.cache', 'stryker-tmp'),
    cleanTempDir: process.env.MUTATION_KEEP_TMP ? false : 'always',
    timeoutMS: 20_000,
    timeoutFactor: 2,
    reporters: ['json', 'progress'],
    jsonReporter: { fileName: out },
    logLevel: 'warn',
    // Only the mutated files get `// @ts-nocheck`: Stryker's default pattern also marks src/**, where a
    // kata's vendored JavaScript lives, and the kata's own test that the vendored file is unchanged fails.
    disableTypeChecks: `${solution}/**/*.ts`,
  });
  const results = await stryker.runMutationTest();
  return { results, out };
}

const resultsFile = (kata) => path.join(ROOT, 'bench-results', `mutation-${kata}.json`);
const survivorsFile = (kata) => path.join(ROOT, 'bench-results', `mutation-${kata}-survivors.json`);

/** Where a mutant is, and what it is: the same mutant in two reports has the same identity. */
const identity = (fileName, m) => `${path.resolve(ROOT, fileName)}:${m.location.start.line}:${m.location.start.column}:${m.mutatorName}:${m.replacement}`;

function summarize(kata, results) {
  const known = equivalents(kata);
  const counts = { Killed: 0, Survived: 0, Timeout: 0, NoCoverage: 0, CompileError: 0, RuntimeError: 0, Ignored: 0 };
  const survivors = [];
  for (const r of results) {
    counts[r.status] = (counts[r.status] ?? 0) + 1;
    if (r.status === 'Survived' || r.status === 'NoCoverage') {
      const key = `${path.relative(path.join(KATAS, kata), path.resolve(ROOT, r.fileName))}:${r.location.start.line}:${r.mutatorName}`;
      survivors.push({ key, replacement: r.replacement, equivalent: known[key] });
    }
  }
  const equivalent = survivors.filter((s) => s.equivalent).length;
  const valid = results.length - counts.CompileError - counts.RuntimeError - counts.Ignored;
  const killed = counts.Killed + counts.Timeout;
  const score = valid === 0 ? 0 : (100 * killed) / Math.max(1, valid - equivalent);
  return { kata, mutants: results.length, ...counts, equivalent, score: Math.round(score * 10) / 10, survivors };
}

/** A kata's last Stryker report (bench-results/mutation-<kata>.json) as the results summarize() takes, or undefined. */
function savedResults(kata, file = resultsFile(kata)) {
  if (!fs.existsSync(file)) return undefined;
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const results = Object.entries(report.files ?? {}).flatMap(([fileName, entry]) => entry.mutants.map((m) => ({ ...m, fileName })));
  return { results, measured: fs.statSync(file).mtime };
}

/**
 * The last full run's results, with each survivor's status taken from a later run of the
 * survivors' lines (`--survivors`) when there is one: the same mutants, tried against the tests
 * written since.
 */
function currentResults(kata) {
  const full = savedResults(kata);
  if (!full) return undefined;
  const rerun = savedResults(kata, survivorsFile(kata));
  if (!rerun || rerun.measured < full.measured) return { ...full, rerun: undefined };
  const latest = new Map(rerun.results.map((m) => [identity(m.fileName, m), m.status]));
  const results = full.results.map((m) => (m.status === 'Survived' || m.status === 'NoCoverage' ? { ...m, status: latest.get(identity(m.fileName, m)) ?? m.status } : m));
  return { results, measured: full.measured, rerun: rerun.measured };
}

/** The lines of the last full run's survivors that are not listed as equivalent, as Stryker ranges. */
function survivorRanges(kata) {
  const saved = currentResults(kata);
  if (!saved) return undefined;
  const row = summarize(kata, saved.results);
  const lines = new Set(row.survivors.filter((s) => !s.equivalent).map((s) => s.key.replace(/:\w+$/, '')));
  return [...lines].map((at) => {
    const [file, line] = [at.slice(0, at.lastIndexOf(':')), at.slice(at.lastIndexOf(':') + 1)];
    return `${path.join('katas', kata, file)}:${line}-${line}`;
  });
}

function printRow(row, seconds) {
  console.log(`\n${row.kata}: ${row.mutants} mutants, ${row.Killed} killed, ${row.Timeout} timed out, ${row.Survived} survived, ${row.NoCoverage} not reached, ${row.equivalent} known equivalent: score ${row.score}% (${seconds})`);
  for (const s of row.survivors) console.log(`  ${s.equivalent ? 'equivalent' : 'SURVIVED  '} ${s.key}  ->  ${JSON.stringify(s.replacement).slice(0, 100)}${s.equivalent ? `  (${s.equivalent})` : ''}`);
}

function printTable(rows) {
  console.log('\nkata'.padEnd(26) + 'mutants  killed  survived  score');
  for (const r of rows) console.log(`${r.kata.padEnd(25)} ${String(r.mutants).padStart(7)} ${String(r.Killed + r.Timeout).padStart(7)} ${String(r.Survived + r.NoCoverage - r.equivalent).padStart(9)}  ${r.score}%`);
}

async function main(argv) {
  const report = argv.includes('--report');
  const survivors = argv.includes('--survivors');
  const args = argv.filter((a) => a !== '--report' && a !== '--survivors');
  const wanted = args.length > 0 ? args : kataNames();
  const unknown = wanted.filter((k) => !kataNames().includes(k));
  if (unknown.length) {
    console.error(`mutation: no kata named ${unknown.join(', ')}; the katas are ${kataNames().join(', ')}.`);
    return 2;
  }
  for (const kata of wanted) equivalents(kata); // a malformed list is said before the long run, not after it
  if (report) {
    // The last run's mutants, judged with today's equivalents lists: no mutant is run again.
    const rows = [];
    for (const kata of wanted) {
      const saved = currentResults(kata);
      if (!saved) {
        console.log(`\n${kata}: not run yet (npm run mutation -- ${kata})`);
        continue;
      }
      const row = summarize(kata, saved.results);
      rows.push(row);
      const when = (d) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
      printRow(row, `run ${when(saved.measured)}${saved.rerun ? `; survivors run again ${when(saved.rerun)}` : ''}`);
    }
    printTable(rows);
    return rows.length === wanted.length && rows.every((r) => r.score >= 90) ? 0 : 1;
  }
  fs.mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
  if (survivors) {
    // Only the lines where the last run's survivors are: minutes become seconds once tests were added.
    let code = 0;
    for (const kata of wanted) {
      const ranges = survivorRanges(kata);
      if (!ranges) {
        console.log(`\n${kata}: no full run to take survivors from (npm run mutation -- ${kata})`);
        code = 1;
        continue;
      }
      if (ranges.length === 0) {
        console.log(`\n${kata}: no survivor left that is not listed as equivalent`);
        continue;
      }
      const started = Date.now();
      const { results } = await mutate(kata, { ranges, out: survivorsFile(kata) });
      const still = results.filter((r) => r.status === 'Survived' || r.status === 'NoCoverage');
      const timedOut = results.filter((r) => r.status === 'Timeout').length;
      console.log(`\n${kata}: ${results.length} mutants on the ${ranges.length} line(s) of the last run's survivors: ${results.length - still.length - timedOut} killed, ${timedOut} timed out, ${still.length} survived (${Math.round((Date.now() - started) / 1000)} s)`);
      const row = summarize(kata, still);
      for (const s of row.survivors) console.log(`  ${s.equivalent ? 'equivalent' : 'SURVIVED  '} ${s.key}  ->  ${JSON.stringify(s.replacement).slice(0, 100)}`);
      if (row.survivors.some((s) => !s.equivalent)) code = 1;
    }
    console.log('\n`npm run mutation -- --report` gives the scores with these results in.');
    return code;
  }
  const rows = [];
  for (const kata of wanted) {
    const started = Date.now();
    const { results } = await mutate(kata).catch((err) => {
      if (!/initial test run/.test(String(err?.message))) throw err;
      throw new Error(
        `${kata}: the tests failed against the unmutated reference, in Stryker's copy of the repository (${err.message}). ` +
          `\`kata verify ${kata} --only solution\` says whether they fail in place too; if not, the copy lacks a file the tests need (see ignorePatterns in scripts/mutation.js).`,
        { cause: err },
      );
    });
    const row = summarize(kata, results);
    rows.push(row);
    printRow(row, `${Math.round((Date.now() - started) / 1000)} s`);
  }
  printTable(rows);
  fs.writeFileSync(path.join(ROOT, 'bench-results', 'mutation.json'), JSON.stringify(rows, null, 2));
  return rows.every((r) => r.score >= 90) ? 0 : 1;
}

module.exports = { equivalents, summarize, kataNames };

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(`mutation: ${err instanceof Error ? err.message : err}`);
      process.exitCode = 2;
    },
  );
}
