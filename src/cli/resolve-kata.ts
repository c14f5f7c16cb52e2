import { findKata } from '../kata/catalog';
import { UnknownKataError } from '../kata/errors';
import type { Kata } from '../kata/metadata';
import { UsageError } from './command';

/** The kata named on the command line, or the one whose folder the learner is in. */
export function kataFromArgs(name: string | undefined): Kata {
  if (name !== undefined) return findKata(name);
  try {
    return findKata(process.cwd());
  } catch (err) {
    if (!(err instanceof UnknownKataError)) throw err;
    throw new UsageError('name a kata, or run this inside a kata folder (katas/<name>).');
  }
}

/** The kata of a verb that takes at most one positional argument: the kata. */
export function resolveKata(positionals: readonly string[]): Kata {
  if (positionals.length > 1) throw new UsageError(`expected one kata, got ${positionals.length}: ${positionals.join(' ')}.`);
  return kataFromArgs(positionals[0]);
}
