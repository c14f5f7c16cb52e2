/**
 * A kata whose kata.json cannot be read is left out of a learner's list and menu, not allowed to
 * hide the others: each is named on stderr with what is wrong and how to fix it.
 */
import type { KataFormatError } from '../kata/errors';
import { color, warn } from './output';

export function reportBroken(broken: readonly KataFormatError[]): void {
  for (const err of broken) {
    warn('', color.red(`Left out, as it cannot be read: ${err.message}`));
  }
}
