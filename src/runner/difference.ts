/**
 * Where two values differ, for a failed deep-equal assertion. chai shortens both sides of its
 * message past 40 characters, so two configs that differ deep inside read "expected { port: 8080,
 * host: 'b', …(2) } to deeply equal { port: 8080, host: 'b', …(2) }": the same text twice. This
 * walks both values (in the test process, while they are still values: mocha's reporters turn
 * them into strings right after) and names the paths that differ.
 *
 * @example
 * deepDifferences({ db: { port: 5433 } }, { db: { port: 5432 } });
 * // [{ path: '.db.port', actual: '5433', expected: '5432' }]
 */
import { inspect } from 'node:util';

export interface Difference {
  /** From the compared value: '.db.port', '[2].name', '' for the values themselves. */
  path: string;
  /** Each side as util.inspect shows it, short; absent when that side has no such key or element. */
  actual?: string;
  expected?: string;
}

const MAX_DEPTH = 50;

/** The paths where `actual` and `expected` differ, at most `limit` of them, in the order found. */
export function deepDifferences(actual: unknown, expected: unknown, limit = 5): Difference[] {
  const found: Difference[] = [];
  const seen = new Set<unknown>();
  const show = (value: unknown) => inspect(value, { depth: 1, breakLength: Infinity, maxArrayLength: 5, maxStringLength: 80 });
  const differ = (path: string, a: unknown, e: unknown) => found.push({ path, actual: show(a), expected: show(e) });

  const walk = (path: string, a: unknown, e: unknown, depth: number): void => {
    if (found.length >= limit || Object.is(a, e)) return;
    if (!isObject(a) || !isObject(e) || depth > MAX_DEPTH || seen.has(a)) return void differ(path, a, e);
    if (tag(a) !== tag(e) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(e)) return void differ(path, a, e);
    if (a instanceof Date || a instanceof RegExp || a instanceof Map || a instanceof Set || ArrayBuffer.isView(a)) {
      // Compared whole: their contents are not keys to walk. Equal when they print the same.
      if (show(a) !== show(e)) differ(path, a, e);
      return;
    }
    seen.add(a);
    if (Array.isArray(a) && Array.isArray(e)) {
      for (let i = 0; i < Math.max(a.length, e.length); i++) {
        if (i >= a.length) found.push({ path: `${path}[${i}]`, expected: show(e[i]) });
        else if (i >= e.length) found.push({ path: `${path}[${i}]`, actual: show(a[i]) });
        else walk(`${path}[${i}]`, a[i], e[i], depth + 1);
        if (found.length >= limit) break;
      }
    } else {
      const keysA = Object.keys(a);
      const keysE = new Set(Object.keys(e));
      for (const key of new Set([...keysA, ...keysE])) {
        const at = `${path}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`;
        const inA = Object.prototype.hasOwnProperty.call(a, key);
        if (!keysE.has(key)) found.push({ path: at, actual: show((a as Record<string, unknown>)[key]) });
        else if (!inA) found.push({ path: at, expected: show((e as Record<string, unknown>)[key]) });
        else walk(at, (a as Record<string, unknown>)[key], (e as Record<string, unknown>)[key], depth + 1);
        if (found.length >= limit) break;
      }
    }
    seen.delete(a);
  };

  walk('', actual, expected, 0);
  return found;
}

/** One difference as a line: ".db.port: expected 5432, got 5433". */
export function describeDifference(d: Difference): string {
  const where = d.path || 'the value';
  if (d.actual === undefined) return `${where}: expected ${d.expected}, got nothing (missing)`;
  if (d.expected === undefined) return `${where}: expected nothing, got ${d.actual}`;
  return `${where}: expected ${d.expected}, got ${d.actual}`;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function tag(value: object): string {
  return Object.prototype.toString.call(value);
}

/**
 * Gives a failed assertion's error a `differences` list while its `actual` and `expected` are
 * still values: for a mocha EVENT_TEST_FAIL listener that runs before the reporters' own (mocha's
 * base reporter replaces both with strings). Mocha's JSON reporter keeps every own property of the
 * error, so the list reaches the results file. Only for objects: for primitives the message says it all.
 */
export function noteDifferences(err: unknown): void {
  if (!isObject(err)) return;
  const e = err as { showDiff?: boolean; actual?: unknown; expected?: unknown; differences?: Difference[] };
  if (e.showDiff === false || !isObject(e.actual) || !isObject(e.expected)) return;
  try {
    // One more than a summary shows (summary.ts), so it can say there are more.
    const differences = deepDifferences(e.actual, e.expected, 6);
    if (differences.length > 0) e.differences = differences;
  } catch {
    // a getter that throws, a revoked proxy: the assertion's own message stays the report
  }
}
