/**
 * Checks that a kata's requirements table quotes what the kata really says. A requirement's
 * `text` must be found in its `source` (the README or a learner file), so that rewording the
 * README without the table, or the table without the README, is caught by the verifier.
 *
 * Matching ignores case, markdown emphasis and code ticks, comment markers (`*`, `//`) and line
 * breaks; a "…" (or "...") in the quote skips any words of the source between its parts.
 *
 * @example
 * quoteProblems(kata); // ['requirement "env-file": README.md does not say "…"']
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { Kata } from './metadata';

/** The source name for a requirement stated only in the catalog entry the kata was built from. */
export const CATALOG_SOURCE = 'catalog';

/** Lower-case words and punctuation only, one space apart. */
export function normalizeProse(text: string): string {
  return text
    .replace(/^\s*(?:\/\*\*?|\*\/|\*|\/\/+|>|[-+]\s|\d+\.\s)/gm, ' ')
    .replace(/[`*_]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** Whether `quote` appears in `source`, its "…"-separated parts in order. */
export function containsQuote(source: string, quote: string): boolean {
  const haystack = normalizeProse(source);
  let from = 0;
  for (const part of quote.split(/…|\.\.\./).map(normalizeProse).filter(Boolean)) {
    const at = haystack.indexOf(part, from);
    if (at < 0) return false;
    from = at + part.length;
  }
  return true;
}

/** One line per requirement whose source is missing or does not say what the table quotes. */
export function quoteProblems(kata: Kata): string[] {
  const problems: string[] = [];
  for (const req of kata.meta.requirements) {
    if (req.source === CATALOG_SOURCE) continue;
    const file = path.join(kata.dir, req.source);
    if (path.isAbsolute(req.source) || req.source.split(/[\\/]/).includes('..') || !fs.existsSync(file)) {
      problems.push(`requirement "${req.id}" has source "${req.source}", which is not a file of the kata: use README.md, a learner file such as ${kata.meta.files[0]}, or "${CATALOG_SOURCE}".`);
      continue;
    }
    if (!containsQuote(fs.readFileSync(file, 'utf8'), req.text)) {
      problems.push(`requirement "${req.id}": ${req.source} does not say "${req.text}". Quote the sentence as the source words it (use "…" to skip words), or update the table after rewording the source.`);
    }
  }
  return problems;
}
