/**
 * Proves a kata keeps its contract, by running its tests for real against each of its
 * implementations and reading the results as data:
 * - the starter fails exactly the tests its metadata declares, each with a message, and is below
 *   the coverage gate;
 * - the reference solution passes every test and meets the coverage gate;
 * - each known-wrong refactoring fails, among others, the tests said to catch it;
 * - each alternative correct refactoring passes every test (the tests do not overfit one answer);
 * - every kata test belongs to a step, and the starter says where the work is (a TODO);
 * - the review answer key fits the starter (lines that exist and hold the code each defect
 *   names, a test failing on the starter that exposes it);
 * - every requirement in the kata's table quotes the kata, names tests that exist, and is broken
 *   by a wrong refactoring those tests catch;
 * - each step snapshot (`.meta/steps/<n>/`, the learner's files at the end of step n) passes the
 *   tests of steps 1..n, and `kata test` sends the learner on to step n+1.
 *
 * @example
 * const report = await verifyKata(findKata('config-loader'));
 * report.claims.filter((c) => c.problems.length > 0);
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import pLimit from 'p-limit';

import { checkKata } from '../callback-hell/check-kata';
import { currentStep, stepOfTest } from '../learner/steps';
import { implementationRoot, type Kata } from '../kata/metadata';
import { quoteProblems } from '../kata/requirements';
import { reviewKeyProblems } from '../kata/review-key';
import { hasPatches, layeredCopy, materializeVariant } from '../kata/variant-patches';
import { type RunOptions, type RunResult, runKata, type TestResult } from '../runner/run-kata';

import type { ClaimKind } from './claim-kinds';

export type { ClaimKind } from './claim-kinds';

/**
 * One claim a kata makes about itself ("the starter fails exactly these tests", "this wrong
 * refactoring is caught"), and whether a real run bore it out. Not to be confused with the
 * callback-hell check (src/callback-hell) or `kata check` (tests + coverage + that check).
 */
export interface Claim {
  kind: ClaimKind;
  /** What the claim is about, for example `wrong refactoring .meta/wrong/forgot-return`. */
  subject: string;
  /** Empty when the claim holds; otherwise each line says what is wrong and how to fix it. */
  problems: string[];
  /** Tests that failed in this run, with their messages. */
  failures: TestResult[];
  /** Wall-clock milliseconds the claim took (all its runs), for saying where a verification's time goes. */
  ms?: number;
}

export interface VerifyReport {
  kata: string;
  claims: Claim[];
  /** Wall-clock seconds the whole verification of this kata took. */
  seconds?: number;
}

export interface VerifyOptions {
  /** Runs at the same time. Default 2 (the machines this runs on have two cores). */
  concurrency?: number;
  /** Only these kinds of check. Default: all. */
  only?: ClaimKind[];
  /**
   * Runs each wrong and alternative refactoring and step snapshot this many times (default 1): a verdict that
   * changes between runs is a defect, and the problems say in which runs it changed.
   */
  repeat?: number;
}

export async function verifyKata(kata: Kata, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { concurrency = 2, only, repeat = 1 } = options;
  const wanted = (k: ClaimKind) => !only || only.includes(k);
  const { meta } = kata;
  const solution = path.join(kata.dir, meta.solution);
  const pinning = meta.pinningTests ? [`${meta.pinningTests}/**/*.test.ts`] : [];

  const jobs: Array<() => Promise<Claim>> = [];
  if (wanted('format')) jobs.push(async () => formatClaim(kata));
  if (wanted('structure')) jobs.push(() => structureClaim(kata));
  if (wanted('starter')) jobs.push(() => run(kata, 'starter', 'starter (the learner\'s files as shipped)', {}, judgeStarter));
  if (wanted('solution')) jobs.push(() => run(kata, 'solution', `reference solution ${meta.solution}`, { implDirs: [solution], extraSpecs: pinning }, judgeSolution));
  if (wanted('step')) {
    for (const snapshot of stepSnapshots(kata)) {
      if (snapshot.implDirs.length === 0) {
        jobs.push(async () => ({ kind: 'step', subject: snapshot.subject, failures: [], problems: [`${STEPS_DIR}/${snapshot.number} is missing: add the learner's files as they stand after step ${snapshot.number}, written the way the README says, so the verifier can prove the README's steps can be followed in order.`] }));
        continue;
      }
      jobs.push(() =>
        // Coverage decides only whether step 1 (pinning) is finished; after step n >= 2 the
        // learner has moved on, which the tests alone show. A run without c8 is cheaper.
        repeated(repeat, () => run(kata, 'step', snapshot.subject, { implDirs: snapshot.implDirs, extraSpecs: pinning, coverage: snapshot.number === 1 }, (k, r) => judgeStep(k, r, snapshot.number))),
      );
    }
  }
  if (wanted('wrong')) {
    for (const wrong of meta.wrong) {
      jobs.push(() =>
        // Only the tests declared to catch it: that is the whole claim, and the rest of the suite
        // (minutes of worker starts in a worker kata) would prove nothing more about it.
        repeated(repeat, () => run(kata, 'wrong', `wrong refactoring ${wrong.dir}`, { implDirs: [path.join(kata.dir, wrong.dir), solution], coverage: false, onlyTests: wrong.caughtBy }, (k, r) => {
          const failed = new Set(r.tests.filter((t) => t.state === 'failed').map((t) => t.fullTitle));
          if (failed.size === 0) return [`no test fails for it (${wrong.description}): add a test that catches this mistake.`];
          // Caught for the wrong reason: the variant cannot even be loaded.
          const unloadable = r.tests.find((t) => t.state === 'failed' && /Cannot find module|have no .*, which the tests import/.test(t.message ?? ''));
          if (unloadable) return [`it fails because it cannot be loaded, not because of its mistake: ${firstLine(unloadable.message)}. Give the variant the files it imports, or let it take them from the reference.`];
          return wrong.caughtBy
            .filter((t) => !failed.has(t))
            .map((t) => `"${t}" was declared to catch it but passed${k.meta.starterFailures.includes(t) || exists(r, t) ? '' : ' (no test has that title)'}. Tests that failed: ${[...failed].map((f) => `"${f}"`).join(', ')}.`);
        })),
      );
    }
  }
  if (wanted('alternative')) {
    for (const alt of meta.alternatives) {
      jobs.push(async () => {
        const tests = await repeated(repeat, () => run(kata, 'alternative', `alternative refactoring ${alt.dir}`, { implDirs: [path.join(kata.dir, alt.dir), solution], extraSpecs: pinning, coverage: false }, (_k, r) => allPass(r, 'a correct refactoring')));
        return { ...tests, problems: [...tests.problems, ...(await alternativeStructureProblems(kata, alt))] };
      });
    }
  }
  const limit = pLimit(concurrency);
  const started = performance.now();
  const timed = (job: () => Claim | Promise<Claim>) => async (): Promise<Claim> => {
    const at = performance.now();
    const claim = await job();
    return { ...claim, ms: Math.round(performance.now() - at) };
  };
  const claims = await Promise.all(jobs.map((job) => limit(timed(job))));
  return { kata: kata.name, claims, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

type Judge = (kata: Kata, result: RunResult) => string[];

/** Runs a check `times` times in a row; its problems are those of every run, each run named. */
async function repeated(times: number, once: () => Promise<Claim>): Promise<Claim> {
  if (times <= 1) return once();
  const runs: Claim[] = [];
  for (let i = 0; i < times; i++) runs.push(await once());
  const bad = runs.map((c, i) => ({ c, i })).filter(({ c }) => c.problems.length > 0);
  const first = runs[0]!;
  if (bad.length === 0) return { ...first, subject: `${first.subject} (${times} runs)` };
  return {
    ...first,
    subject: `${first.subject} (${times} runs)`,
    failures: bad[0]!.c.failures,
    problems: [`wrong verdict in ${bad.length} of ${times} runs (runs ${bad.map(({ i }) => i + 1).join(', ')}): a verdict that depends on the run is a defect of the tests.`, ...bad.flatMap(({ c, i }) => c.problems.map((p) => `run ${i + 1}: ${p}`))],
  };
}

async function run(kata: Kata, kind: ClaimKind, subject: string, options: RunOptions, judge: Judge): Promise<Claim> {
  let result: RunResult;
  try {
    result = await runKata(kata, options);
  } catch (err) {
    // A patch that no longer applies, say: the variant cannot be run at all.
    return { kind, subject, failures: [], problems: [`the tests could not run: ${(err as Error).message}`] };
  }
  try {
    const failures = result.tests.filter((t) => t.state === 'failed');
    if (result.timedOut) {
      return { kind, subject, failures, problems: [`the run did not finish in ${result.timedOut.seconds} s (last test started: ${result.timedOut.lastTest ?? 'none'}).`] };
    }
    if (result.crash) return { kind, subject, failures, problems: [`the tests could not run: ${result.crash}`] };
    return { kind, subject, failures, problems: judge(kata, result) };
  } finally {
    result.dispose();
  }
}

function exists(result: RunResult, title: string): boolean {
  return result.tests.some((t) => t.fullTitle === title);
}

function kataTests(result: RunResult): TestResult[] {
  // The kata's own tests live directly in test/; the learner's in test/mine/.
  return result.tests.filter((t) => path.dirname(t.file) === 'test');
}

const judgeStarter: Judge = (kata, result) => {
  const problems: string[] = [];
  const declared = new Set(kata.meta.starterFailures);
  const failed = result.tests.filter((t) => t.state === 'failed');
  for (const t of failed) {
    if (!declared.has(t.fullTitle)) problems.push(`"${t.fullTitle}" fails on the starter but is not in starterFailures (it says: ${firstLine(t.message)}). Declare it, or fix the test.`);
    else if (!t.message?.trim()) problems.push(`"${t.fullTitle}" fails with no message: the learner must be told what is expected.`);
  }
  for (const title of declared) {
    if (!failed.some((t) => t.fullTitle === title)) {
      problems.push(exists(result, title) ? `"${title}" is in starterFailures but passes on the starter.` : `"${title}" is in starterFailures but no test has that title.`);
    }
  }
  if (problems.length > 0) problems.push(`starterFailures is outdated: \`npx kata verify ${kata.name} --update\` writes the list from a real run of the starter (check each failure's message first).`);
  for (const t of result.tests.filter((x) => x.state === 'pending')) problems.push(`"${t.fullTitle}" is skipped: a kata ships no skipped tests.`);
  const suites = kata.meta.steps.flatMap((s) => (s.suite ? [s.suite] : []));
  for (const t of kataTests(result)) {
    if (!suites.some((s) => t.fullTitle.startsWith(`${s} `))) problems.push(`"${t.fullTitle}" belongs to no step: start its title with one of the steps' "suite" titles.`);
  }
  if (result.coverage && result.coverage.shortfalls.length === 0) {
    problems.push('the starter already meets the coverage gate: the "pin the legacy behaviour" step has nothing to show. Raise the gate or check the coverage include.');
  }
  return problems;
};

const judgeSolution: Judge = (kata, result) => {
  const problems = allPass(result, 'the reference solution');
  for (const req of kata.meta.requirements) {
    for (const title of req.tests) {
      if (!exists(result, title)) problems.push(`requirement "${req.id}" names the test "${title}", but no test has that title.`);
    }
  }
  if (!result.coverage) problems.push('no coverage report was produced.');
  for (const s of result.coverage?.shortfalls ?? []) problems.push(`coverage of ${s.metric} is ${s.pct}%, below the gate of ${s.required}%.`);
  if (result.coverage && Object.keys(result.coverage.files).length < kata.meta.files.length) {
    problems.push(`coverage covers ${Object.keys(result.coverage.files).length} file(s) but the kata has ${kata.meta.files.length}: ${Object.keys(result.coverage.files).join(', ')}.`);
  }
  return problems;
};

function allPass(result: RunResult, what: string): string[] {
  const problems = result.tests.filter((t) => t.state !== 'passed').map((t) => `${what} ${t.state === 'failed' ? 'fails' : 'skips'} "${t.fullTitle}": ${firstLine(t.message)}`);
  if (result.tests.length === 0) problems.push('no test ran.');
  return problems;
}

function formatClaim(kata: Kata): Claim {
  const problems: string[] = [];
  if (kata.meta.requirements.length === 0) {
    problems.push('kata.json has no "requirements": list every requirement the README, the source comments and the catalog state, each with the tests that prove it and a wrong refactoring they catch (docs/authoring-katas.md, "Requirements").');
  }
  problems.push(...quoteProblems(kata));
  problems.push(...reviewKeyProblems(kata));
  problems.push(...copiedFiles(kata));
  problems.push(...patchProblems(kata));
  for (const n of misplacedSnapshots(kata)) problems.push(`.meta/steps/${n} is a snapshot of no step between 1 and ${kata.meta.steps.length - 1} (the last step's snapshot is the reference solution).`);
  for (const file of kata.meta.files) {
    if (!fs.readFileSync(path.join(kata.dir, file), 'utf8').includes('TODO')) {
      problems.push(`${file} has no TODO: the starter must say where the work is.`);
    }
  }
  for (const required of ['README.md', 'package.json']) {
    if (!fs.existsSync(path.join(kata.dir, required))) problems.push(`${required} is missing.`);
  }
  const testDir = path.join(kata.dir, 'test');
  const tests = fs.existsSync(testDir) ? fs.readdirSync(testDir).filter((f) => f.endsWith('.test.ts')) : [];
  if (tests.length === 0) problems.push('test/ holds no *.test.ts file.');
  for (const t of tests) {
    if (!/do not change/i.test(fs.readFileSync(path.join(testDir, t), 'utf8').slice(0, 300))) {
      problems.push(`test/${t} does not open with a "Do not change this file" line for the learner.`);
    }
  }
  return { kind: 'format', subject: 'kata format', problems, failures: [] };
}

/**
 * `kata solution` shows every alternative as a good answer, so each passes the callback-hell check
 * too, or says in `failsCheck` why it is shown although the check rejects it.
 */
async function alternativeStructureProblems(kata: Kata, alt: Kata['meta']['alternatives'][number]): Promise<string[]> {
  let variant: { dir: string; dispose: () => void };
  try {
    // The alternative over the reference, as it runs: it may hold only the files it changes.
    variant = layeredCopy(path.join(kata.dir, alt.dir), path.join(kata.dir, kata.meta.solution));
  } catch (err) {
    return [(err as Error).message];
  }
  const result = await checkKata(kata, { dir: variant.dir }).finally(() => variant.dispose());
  if (alt.failsCheck) {
    return result.passed ? [`"failsCheck" says the callback-hell check rejects ${alt.dir}, but it passes: remove "failsCheck".`] : [];
  }
  return result.findings.map((f) => `the callback-hell check rejects this correct refactoring at ${f.file}:${f.line} (${f.rule}): ${f.message} Make it pass, or say in "failsCheck" why it is still worth showing.`);
}

/** The callback-hell check must fail the starter (there is a pyramid to remove) and pass the reference. */
async function structureClaim(kata: Kata): Promise<Claim> {
  const [starter, reference] = await Promise.all([checkKata(kata), checkKata(kata, { dir: kata.meta.solution })]);
  const problems: string[] = [];
  if (starter.passed) problems.push('the starter passes the callback-hell check: the kata has no structure left to refactor, or its "check" settings turn off what it teaches.');
  for (const f of reference.findings) problems.push(`the reference solution fails the callback-hell check at ${f.file}:${f.line} (${f.rule}): ${f.message}`);
  return { kind: 'structure', subject: 'callback-hell check (starter fails, reference passes)', problems, failures: [] };
}

/**
 * A variant file byte for byte the same as the layer under it (the reference for a variant, the
 * starter for a step snapshot) proves nothing and can drift: the redirect takes it from that layer.
 */
function copiedFiles(kata: Kata): string[] {
  const { meta } = kata;
  const reference = path.join(kata.dir, meta.solution);
  const layers: Array<[string, string]> = [
    ...[...meta.wrong, ...meta.alternatives].map((v): [string, string] => [v.dir, reference]),
    ...stepSnapshots(kata).flatMap((s) => (s.implDirs.length === 2 ? [[path.relative(kata.dir, s.implDirs[0]!), s.implDirs[1]!] as [string, string]] : [])),
  ];
  const problems: string[] = [];
  for (const [dir, under] of layers) {
    const abs = path.join(kata.dir, dir);
    if (!fs.existsSync(abs)) continue;
    for (const rel of fs.readdirSync(abs, { recursive: true }).map(String)) {
      const file = path.join(abs, rel);
      const below = path.join(under, rel);
      if (!fs.statSync(file).isFile() || !fs.existsSync(below)) continue;
      if (fs.readFileSync(file).equals(fs.readFileSync(below))) {
        problems.push(`${dir}/${rel} is a copy of ${path.relative(kata.dir, below)}: delete it; the variant gets it from the layer under it (docs/authoring-katas.md, "Type-checking .meta/").`);
      }
    }
  }
  return problems;
}

/** Every patch in a variant folder applies to the layer under it. */
function patchProblems(kata: Kata): string[] {
  const reference = path.join(kata.dir, kata.meta.solution);
  const folders: Array<[string, string]> = [
    ...[...kata.meta.wrong, ...kata.meta.alternatives].map((v): [string, string] => [path.join(kata.dir, v.dir), reference]),
    ...stepSnapshots(kata).flatMap((s) => (s.implDirs.length === 2 ? [[s.implDirs[0]!, s.implDirs[1]!] as [string, string]] : [])),
  ];
  const problems: string[] = [];
  for (const [dir, under] of folders) {
    if (!hasPatches(dir)) continue;
    try {
      materializeVariant(dir, under).dispose();
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Generated test lists

export interface UpdateReport {
  /** Titles added to and removed from starterFailures. */
  added: string[];
  removed: string[];
  /** For each wrong refactoring, the tests that fail for it but are not in its caughtBy. */
  proposals: Array<{ dir: string; alsoFailing: string[] }>;
}

/**
 * Writes `starterFailures` in kata.json from a real run of the starter (in the order the tests
 * ran), and proposes, for each wrong refactoring, the failing tests its `caughtBy` does not name.
 * Proposals are printed, not written: which tests catch a mistake is the author's claim to make.
 */
export async function updateTestLists(kata: Kata): Promise<UpdateReport> {
  const starter = await runKata(kata, { coverage: false });
  let failing: string[];
  try {
    if (starter.crash || starter.timedOut) throw new Error(`the starter's tests did not run to the end (${starter.crash ?? `stopped after ${starter.timedOut!.seconds} s`}): fix that first.`);
    failing = starter.tests.filter((t) => t.state === 'failed').map((t) => t.fullTitle);
  } finally {
    starter.dispose();
  }
  const declared = kata.meta.starterFailures;
  const raw = JSON.parse(fs.readFileSync(kata.metaFile, 'utf8')) as Record<string, unknown>;
  raw.starterFailures = failing;
  fs.writeFileSync(kata.metaFile, `${JSON.stringify(raw, null, 2)}\n`);

  const solution = path.join(kata.dir, kata.meta.solution);
  const proposals: UpdateReport['proposals'] = [];
  for (const wrong of kata.meta.wrong) {
    const result = await runKata(kata, { implDirs: [path.join(kata.dir, wrong.dir), solution], coverage: false });
    try {
      const alsoFailing = result.tests.filter((t) => t.state === 'failed' && !wrong.caughtBy.includes(t.fullTitle)).map((t) => t.fullTitle);
      if (alsoFailing.length > 0) proposals.push({ dir: wrong.dir, alsoFailing });
    } finally {
      result.dispose();
    }
  }
  return { added: failing.filter((t) => !declared.includes(t)), removed: declared.filter((t) => !failing.includes(t)), proposals };
}

// ---------------------------------------------------------------------------------------------
// Step snapshots

export const STEPS_DIR = '.meta/steps';

interface StepSnapshot {
  number: number;
  subject: string;
  implDirs: string[];
}

/**
 * The learner's files at the end of each step but the last (whose end is the reference
 * solution). A snapshot holds only the files the learner has changed by then; the rest come
 * from the starter. Step 1 (pinning) needs no folder when it changes no learner file: its
 * snapshot is the starter plus the pinning tests, which every snapshot run includes.
 */
function stepSnapshots(kata: Kata): StepSnapshot[] {
  const starter = implementationRoot(kata);
  const snapshots: StepSnapshot[] = [];
  for (let n = 1; n < kata.meta.steps.length; n++) {
    const dir = path.join(kata.dir, STEPS_DIR, String(n));
    const title = kata.meta.steps[n - 1]!.title;
    if (fs.existsSync(dir)) snapshots.push({ number: n, subject: `step ${n} snapshot ${STEPS_DIR}/${n} (after "${title}")`, implDirs: [dir, starter] });
    else snapshots.push({ number: n, subject: `step ${n} snapshot (after "${title}")`, implDirs: n === 1 ? [starter] : [] });
  }
  return snapshots;
}

function misplacedSnapshots(kata: Kata): string[] {
  const root = path.join(kata.dir, STEPS_DIR);
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).filter((n) => !/^\d+$/.test(n) || Number(n) < 1 || Number(n) >= kata.meta.steps.length);
}

function judgeStep(kata: Kata, result: RunResult, n: number): string[] {
  const problems: string[] = [];
  for (const t of result.tests.filter((x) => x.state === 'failed')) {
    const step = stepOfTest(kata, t.fullTitle);
    if (!step) problems.push(`after step ${n}, the pinning test "${t.fullTitle}" fails: ${firstLine(t.message)}`);
    else if (step.number <= n) problems.push(`after step ${n}, "${t.fullTitle}" (step ${step.number}) fails: ${firstLine(t.message)}. The README's steps 1..${n} should be enough to pass it.`);
  }
  const now = currentStep(kata, { tests: result.tests, coverageMet: result.coverage ? result.coverage.shortfalls.length === 0 : undefined });
  if (problems.length === 0 && now?.number !== n + 1) {
    problems.push(`after step ${n}, kata test sends the learner to ${now ? `step ${now.number} ("${now.step.title}")` : 'nothing (the kata counts as done)'}, not to step ${n + 1} ("${kata.meta.steps[n]!.title}").`);
  }
  return problems;
}

/**
 * A failure's message on one line: its first line, and when that line introduces a list (it ends
 * with a colon, as the leak check's "left something open after it finished:" does), the list's
 * items too, so a report names what was left open.
 */
function firstLine(text: string | undefined): string {
  const lines = (text ?? '(no message)').split('\n');
  const first = lines[0]!;
  if (!first.trimEnd().endsWith(':')) return first.slice(0, 200);
  const items = lines.slice(1).filter((l) => /^\s*- /.test(l)).map((l) => l.trim().slice(2));
  return `${first.trimEnd()} ${items.join('; ')}`.slice(0, 400);
}
