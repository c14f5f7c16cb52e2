/**
 * The kata metadata file (`katas/<name>/kata.json`): its schema, its type, and the one loader
 * that reads it. Every error names the file, the field and how to fix it, because the people
 * who see them are kata authors editing JSON by hand.
 *
 * @example
 * const kata = loadKata('katas/config-loader');
 * kata.meta.steps.map((s) => s.title);
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

import { KataCheckSchema } from './check-settings';
import { type KataFormatCode, KataFormatError } from './errors';

const kebab = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const relativePath = z
  .string()
  .min(1)
  .refine((p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..'), {
    message: 'must be a path relative to the kata folder, without ".."',
  });

const percent = z.number().min(0).max(100);

/** One step of the refactoring, in the order the README teaches them. */
const StepSchema = z.strictObject({
  id: z.string().regex(kebab, 'must be kebab-case, for example "promise-api"'),
  title: z.string().min(1),
  /**
   * The top-level `describe` title of the kata tests that belong to this step. The CLI uses it to
   * say which step a failing test is part of. Omit for a step with no tests of its own (pinning
   * the legacy behaviour is the learner's own tests).
   */
  suite: z.string().min(1).optional(),
  /** Hints in the order they are shown: each one gives away a little more than the last. */
  hints: z.array(z.string().min(1)).min(1, 'give at least one hint per step'),
});

const VariantSchema = z.strictObject({
  /** Folder holding the variant's implementation files, mirroring the learner's `files`. */
  dir: relativePath,
  /** What this variant does, in the words a reviewer would use. */
  description: z.string().min(1),
});

const AlternativeSchema = VariantSchema.extend({
  /**
   * Set only for a correct refactoring the callback-hell check rejects on purpose: why it is
   * still worth showing (`kata solution` prints it beside the check's verdict). The verifier
   * proves the check does reject it.
   */
  failsCheck: z.string().min(1).optional(),
});

const WrongVariantSchema = VariantSchema.extend({
  /**
   * Full titles of tests that must fail for this wrong refactoring: the tests that catch it.
   * Other tests may fail too.
   */
  caughtBy: z.array(z.string().min(1)).min(1, 'name at least one test that catches this mistake'),
});

/**
 * One thing the kata promises, wherever it says so: the README, a source doc comment, or the
 * catalog entry the kata was built from. A learner's refactoring that breaks it must fail a test,
 * so each requirement names the tests that prove it and the known-wrong refactorings that break
 * it; the loader checks that each of those is declared to be caught by one of those tests, and
 * the verifier that it is, on every run.
 */
const RequirementSchema = z.strictObject({
  id: z.string().regex(kebab, 'must be kebab-case, for example "missing-parent-named"'),
  /**
   * Where the kata states it: "README.md", a learner file such as "src/config-loader.ts", or
   * "catalog" (the kata's entry in the catalog it was built from, which is not in this repository).
   */
  source: z.string().min(1),
  /**
   * The sentence, quoted from the source (for README.md and source files, the verifier finds it
   * there, ignoring case, markdown, comment markers and line breaks; "…" skips words).
   */
  text: z.string().min(1),
  /** Full titles of the tests that prove it. */
  tests: z.array(z.string().min(1)).min(1, 'name at least one test that proves this requirement'),
  /** Folders of the wrong refactorings (under "wrong") that break it. */
  wrong: z.array(relativePath).min(1, 'name at least one wrong refactoring that breaks this requirement'),
});

export const KataMetaSchema = z.strictObject({
  $schema: z.string().optional(),
  title: z.string().min(1),
  track: z.enum(['files', 'network', 'worker-threads', 'legacy-libraries']),
  level: z.number().int().min(1).max(4),
  /** Position in the learning order of the whole catalog (1 = first kata). */
  order: z.number().int().min(1),
  timeboxMinutes: z.number().int().positive(),
  concepts: z.array(z.string().min(1)).min(1),
  /** The learner's implementation files, relative to the kata folder. */
  files: z.array(relativePath).min(1),
  steps: z.array(StepSchema).min(1),
  /** Full titles (`describe` titles and `it` title joined by spaces) of the tests the starter fails. */
  starterFailures: z.array(z.string().min(1)).min(1, 'a starter must fail at least one test'),
  coverage: z.strictObject({
    lines: percent,
    branches: percent,
    functions: percent,
    statements: percent,
  }),
  /** How long one run of the kata's tests may take before it is stopped as hung. */
  runTimeoutSeconds: z.number().int().positive().default(60),
  solution: relativePath,
  /**
   * Folder of the characterization tests a learner writes in step 1 (the answer to that step).
   * They run with the reference solution, which must keep the behaviour they pin.
   */
  pinningTests: relativePath.optional(),
  wrong: z.array(WrongVariantSchema).min(1, 'keep at least one known-wrong refactoring'),
  alternatives: z.array(AlternativeSchema).default([]),
  review: relativePath,
  /** Every requirement the kata states, with its tests and the wrong refactorings that break it. */
  requirements: z.array(RequirementSchema).default([]),
  /** Which rules of the callback-hell check the final state must satisfy (default: all of them). */
  check: KataCheckSchema.default({ rules: {} }),
});

export type KataMeta = z.infer<typeof KataMetaSchema>;
export type KataStep = KataMeta['steps'][number];
export type WrongVariant = KataMeta['wrong'][number];
export type Requirement = KataMeta['requirements'][number];

/** A loaded kata: where it lives and what its metadata says. */
export interface Kata {
  /** Folder name under katas/, which is also how learners name it. */
  name: string;
  /** Absolute path of the kata folder. */
  dir: string;
  /** Absolute path of the metadata file. */
  metaFile: string;
  meta: KataMeta;
}

export const META_FILE = 'kata.json';

/**
 * Reads and checks `<dir>/kata.json`.
 *
 * @throws {KataFormatError} naming the file, the field and the fix, when the file is missing,
 *   is not JSON, does not match the schema, or names a path that does not exist.
 */
export function loadKata(dir: string): Kata {
  const absDir = path.resolve(dir);
  const metaFile = path.join(absDir, META_FILE);
  const shown = displayPath(metaFile);

  let text: string;
  try {
    text = fs.readFileSync(metaFile, 'utf8');
  } catch (err) {
    throw new KataFormatError(
      shown,
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}).`,
      `every kata folder needs a ${META_FILE}; see docs/authoring-katas.md for a template.`,
      { code: 'KATA_META_UNREADABLE', cause: err },
    );
  }

  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new KataFormatError(
      shown + locateJsonError(text, err as Error),
      `is not valid JSON: ${(err as Error).message}.`,
      'fix the syntax there (a trailing comma or a missing quote is the usual cause).',
      { code: 'KATA_META_NOT_JSON', cause: err },
    );
  }

  // reportInput keeps the offending value on each issue, so a wrong type is not reported as missing.
  const parsed = KataMetaSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new KataFormatError(
      shown,
      `field "${formatPath(issue.path)}" ${describeIssue(issue)}.`,
      fixFor(issue.path),
      { code: 'KATA_META_INVALID' },
    );
  }

  const meta = parsed.data;
  const kata: Kata = { name: path.basename(absDir), dir: absDir, metaFile, meta };
  checkPaths(kata, shown);
  checkUnique(meta, shown);
  checkRequirements(meta, shown);
  return kata;
}

function checkPaths(kata: Kata, shown: string): void {
  const { meta, dir } = kata;
  const mustExist = (rel: string, field: string, fix: string, code: KataFormatCode = 'KATA_PATH_MISSING') => {
    if (!fs.existsSync(path.join(dir, rel))) {
      throw new KataFormatError(shown, `field "${field}" names "${rel}", which does not exist.`, fix, { code });
    }
  };
  meta.files.forEach((f, i) => mustExist(f, `files[${i}]`, 'create the file or correct the path.', 'KATA_LEARNER_FILE_MISSING'));
  mustExist(meta.solution, 'solution', 'point it at the folder of the reference solution (usually .meta/solution).');
  if (meta.pinningTests) mustExist(meta.pinningTests, 'pinningTests', 'point it at the folder of step 1\'s answer tests (usually .meta/pinning).');
  mustExist(meta.review, 'review', 'point it at the review answer key (usually .meta/review.md).');
  for (const [field, variants] of [['wrong', meta.wrong], ['alternatives', meta.alternatives]] as const) {
    variants.forEach((v, i) => mustExist(v.dir, `${field}[${i}].dir`, 'create the folder or correct the path.'));
  }
  // The reference mirrors the learner's files one for one (the way Rustlings mirrors exercises).
  meta.files.forEach((f, i) => {
    const rel = path.join(meta.solution, mirrorPath(meta.files, f));
    if (!fs.existsSync(path.join(dir, rel))) {
      throw new KataFormatError(shown, `field "files[${i}]" names "${f}", but the reference solution has no copy of it at "${rel}".`, `the reference solution mirrors every learner file: add ${rel}.`, { code: 'KATA_REFERENCE_FILE_MISSING' });
    }
  });
}

function checkUnique(meta: KataMeta, shown: string): void {
  const seen = new Map<string, string>();
  const fields: Array<[string, string]> = [
    ...meta.steps.map((s, i): [string, string] => [`steps[${i}].id`, `step:${s.id}`]),
    ...meta.wrong.map((w, i): [string, string] => [`wrong[${i}].dir`, `dir:${w.dir}`]),
    ...meta.alternatives.map((a, i): [string, string] => [`alternatives[${i}].dir`, `dir:${a.dir}`]),
    ...meta.starterFailures.map((t, i): [string, string] => [`starterFailures[${i}]`, `test:${t}`]),
    ...meta.requirements.map((r, i): [string, string] => [`requirements[${i}].id`, `requirement:${r.id}`]),
  ];
  for (const [field, key] of fields) {
    const first = seen.get(key);
    if (first) {
      throw new KataFormatError(shown, `field "${field}" repeats "${key.slice(key.indexOf(':') + 1)}" from "${first}".`, 'each entry must be unique: remove the duplicate.', { code: 'KATA_DUPLICATE' });
    }
    seen.set(key, field);
  }
}

/**
 * Each requirement's wrong refactorings exist and are declared to be caught by at least one of
 * its tests; each wrong refactoring breaks at least one requirement (once the kata has a table).
 */
function checkRequirements(meta: KataMeta, shown: string): void {
  const byDir = new Map(meta.wrong.map((w) => [path.normalize(w.dir), w]));
  const broken = new Set<string>();
  meta.requirements.forEach((req, i) => {
    req.wrong.forEach((dir, j) => {
      const wrong = byDir.get(path.normalize(dir));
      if (!wrong) {
        throw new KataFormatError(shown, `field "requirements[${i}].wrong[${j}]" names "${dir}", which is not the "dir" of any entry in "wrong".`, 'list the wrong refactoring under "wrong" first, or correct the folder.', { code: 'KATA_REQUIREMENT_INVALID' });
      }
      broken.add(path.normalize(dir));
      if (!wrong.caughtBy.some((t) => req.tests.includes(t))) {
        throw new KataFormatError(
          shown,
          `requirement "${req.id}" says "${dir}" breaks it, but none of its tests is in that wrong refactoring's "caughtBy".`,
          `add the requirement's test that catches it to wrong "${dir}".caughtBy (the verifier then proves it fails), or name the right test under requirements[${i}].tests.`,
          { code: 'KATA_REQUIREMENT_INVALID' },
        );
      }
    });
  });
  if (meta.requirements.length === 0) return;
  meta.wrong.forEach((w, i) => {
    if (!broken.has(path.normalize(w.dir))) {
      throw new KataFormatError(shown, `field "wrong[${i}]" ("${w.dir}") breaks no requirement.`, 'add its folder to the "wrong" list of the requirement it breaks, or add that requirement.', { code: 'KATA_REQUIREMENT_INVALID' });
    }
  });
}

/**
 * Where a learner file sits inside a variant folder. Variant folders mirror the learner's `src/`,
 * so `src/config-loader.ts` becomes `<variant>/config-loader.ts`.
 */
export function mirrorPath(files: readonly string[], file: string): string {
  const root = commonRoot(files);
  return path.relative(root, file);
}

/** The folder that holds every learner file: the one the implementation redirect swaps. */
export function implementationRoot(kata: Kata): string {
  return path.join(kata.dir, commonRoot(kata.meta.files));
}

function commonRoot(files: readonly string[]): string {
  const dirs = files.map((f) => path.dirname(path.normalize(f)).split(path.sep));
  const first = dirs[0]!;
  let n = first.length;
  for (const d of dirs) {
    let i = 0;
    while (i < n && d[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(path.sep) || '.';
}

function formatPath(p: ReadonlyArray<PropertyKey>): string {
  if (p.length === 0) return '(top level)';
  return p.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `is missing (expected ${issue.expected})` : `must be ${issue.expected}, got ${typeName(issue.input)}`;
    case 'unrecognized_keys':
      return `has unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `${typeof v} ${JSON.stringify(v)}`;
}

const FIXES: Record<string, string> = {
  '': 'see docs/authoring-katas.md for every field and an example.',
  track: 'use the track the kata belongs to in CATALOG order.',
  level: 'levels run from 1 (first kata) to 4 (hardest).',
  files: 'list the learner\'s implementation files, for example ["src/config-loader.ts"].',
  steps: 'each step needs an id, a title and at least one hint; "suite" is the describe title of its tests.',
  starterFailures: 'list the full titles of the tests the starter fails; `npx kata verify <kata>` prints the actual list.',
  coverage: 'give the gate as {"lines": 100, "branches": 100, "functions": 100, "statements": 100}.',
  wrong: 'each wrong refactoring needs "dir", "description" and "caughtBy" (titles of tests that catch it).',
  check: '"check": {"rules": {...}} takes rule names from src/callback-hell/rule-catalog.ts, each "off", "error" or ["error", options].',
  alternatives: 'each alternative needs "dir" and "description"; "failsCheck" (why it is still instructive) only if the callback-hell check rejects it.',
  requirements: 'each requirement needs "id", "source" (README.md, a learner file, or "catalog"), "text" (the sentence quoted), "tests" and "wrong".',
};

function fixFor(p: ReadonlyArray<PropertyKey>): string {
  const top = p.length > 0 ? String(p[0]) : '';
  return FIXES[top] ?? FIXES['']!;
}

function locateJsonError(text: string, err: Error): string {
  const pos = jsonErrorPosition(text, err.message);
  if (pos === undefined) return '';
  const before = text.slice(0, pos).split('\n');
  return `:${before.length}:${before[before.length - 1]!.length + 1}`;
}

/**
 * Where JSON.parse stopped. V8 gives "position N" for most errors, but on Node 20 not for an
 * unexpected token (a trailing comma in an array) nor for a truncated file.
 */
function jsonErrorPosition(text: string, message: string): number | undefined {
  const given = /position (\d+)/.exec(message);
  if (given) return Number(given[1]);
  if (/end of JSON input/.test(message)) return text.length;
  const trailingComma = /,\s*[\]}]/.exec(text);
  return trailingComma ? trailingComma.index : undefined;
}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}
