/**
 * The check's result for a terminal: the pyramid (one bar per function, as long as the function
 * is deep), the scorecard, and each finding as file:line with what to do about it.
 */
import { color, fail, ok } from '../terminal/style';
import type { CheckResult } from './check-kata';

const MAX_LABEL = 36;

/**
 * The lines to print; the caller decides where. `limit` caps the findings listed (the pyramid and
 * scorecard are always shown), for the summary after a test run.
 */
export function formatCheck(result: CheckResult, limit = Infinity): string[] {
  const out: string[] = [];
  for (const { file, shape } of result.files) {
    out.push(color.bold(`${file}: one bar per function, as deep as it is nested`));
    const width = Math.min(MAX_LABEL, Math.max(0, ...shape.functions.map((f) => f.name.length + 2 * (f.depth - 1))));
    for (const f of shape.functions) {
      const label = `${'  '.repeat(f.depth - 1)}${f.name}`.slice(0, MAX_LABEL).padEnd(width);
      // Callback levels in red: those are the pyramid; plain nesting is grey.
      const bar = color.dim('▒▒'.repeat(f.depth - f.callbackDepth)) + color.red('██'.repeat(f.callbackDepth));
      out.push(`  ${String(f.line).padStart(4)}  ${label}  ${bar}`);
    }
    if (shape.functions.length === 0) out.push(color.dim('  (no functions)'));
  }
  const s = result.scorecard;
  out.push(
    '',
    `callback nesting ${s.maxCallbackNesting} · callbacks ${s.callbacks} · .then chains ${s.thenChains} · sync calls ${s.syncCalls} · ` +
      `floating promises ${s.floatingPromises ?? 'not checked'} · lines ${s.lines}`,
    '',
  );
  for (const f of result.findings.slice(0, limit)) out.push(`${color.bold(`${f.file}:${f.line}`)}  ${f.message}  ${color.dim(f.rule)}`);
  // The rest by rule, each with its lines: a summary, never a count that hides where they are.
  const rest = result.findings.slice(limit);
  if (rest.length > 0) {
    out.push(`  ...and ${rest.length} more (${color.cyan('npx kata shape')} explains each):`);
    for (const [rule, where] of groupByRule(rest)) out.push(`    ${rule}: ${where.join('; ')}`);
  }
  for (const f of result.allowed) out.push(color.dim(`${f.file}:${f.line}  allowed by this kata: ${f.message}  ${f.rule}`));
  if (result.typedDeferred) {
    // n/no-sync is one of the deferred rules; the scorecard already knows where the calls are.
    const sync = result.files.flatMap(({ file, shape }) => shape.syncCallLines.map((line) => `${file}:${line}`));
    if (sync.length > 0) out.push(`${color.bold(sync.join(', '))}  a synchronous call: it blocks the whole process while it runs. Await its promise version instead (fs/promises for files).  ${color.dim('n/no-sync')}`);
    out.push(color.dim('  The type-aware rules (floating promises, misused promises, await on a non-promise, return await) run once these are fixed.'));
  }
  out.push(
    result.passed
      ? ok('The structure check passes: no callback-hell pattern this kata forbids is left.')
      : fail(`The structure check fails: ${result.findings.length} finding(s) left.`),
  );
  return out;
}

/** rule → "file lines 3, 8; other-file line 5", in the order the findings came. */
function groupByRule(findings: CheckResult['findings']): Map<string, string[]> {
  const byRule = new Map<string, Map<string, number[]>>();
  for (const f of findings) {
    const files = byRule.get(f.rule) ?? new Map<string, number[]>();
    files.set(f.file, [...(files.get(f.file) ?? []), f.line]);
    byRule.set(f.rule, files);
  }
  return new Map([...byRule].map(([rule, files]) => [rule, [...files].map(([file, lines]) => `${file} line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}`)]));
}

/** The result as JSON for tools: everything `checkKata` returns. */
export function checkJson(result: CheckResult): string {
  return JSON.stringify(result, null, 2);
}
