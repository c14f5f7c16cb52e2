/**
 * key-stretch: the company's key-stretching function, in plain JavaScript (2013, before every
 * service could count on crypto.scrypt). Do not change this file: the hashes stored in the user
 * database depend on it, bit for bit, and the kata's tests compare against them.
 *
 * It is slow on purpose, and only CPU: each round mixes eight 32-bit words and depends on the
 * round before, so there is no I/O to wait for and no way to split the work. About 20 ns per
 * round on a laptop: 5 million rounds take a tenth of a second of one core.
 */

/** One job, as the service receives it: `POST /hash` with this as its JSON body. */
export interface HashJob {
  password: string;
  salt: string;
  rounds: number;
}

/** More rounds than this is refused: about two seconds of one core. */
export const MAX_ROUNDS = 100_000_000;

/**
 * The password stretched with the salt for `rounds` rounds: 64 lowercase hex digits.
 * Throws a TypeError when password or salt is not a string, a RangeError when rounds is not an
 * integer from 1 to MAX_ROUNDS.
 *
 * @example
 * stretchKey('hunter2', 'NaCl', 1000); // '61b8571e90b836f5...' (64 hex digits in all)
 */
export function stretchKey(password: string, salt: string, rounds: number): string {
  if (typeof password !== 'string' || typeof salt !== 'string') {
    throw new TypeError(`password and salt must be strings, got ${typeof password} and ${typeof salt}`);
  }
  if (!Number.isSafeInteger(rounds) || rounds < 1 || rounds > MAX_ROUNDS) {
    throw new RangeError(`rounds must be an integer from 1 to ${MAX_ROUNDS}, got ${String(rounds)}`);
  }
  const state = new Uint32Array(8);
  const text = `${salt}\u0000${password}`;
  let seed = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    seed = Math.imul(seed ^ text.charCodeAt(i), 0x01000193);
    state[i & 7] ^= seed;
  }
  for (let i = 0; i < 8; i++) state[i] ^= Math.imul(seed + i, 0x9e3779b1);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < 8; i++) {
      let x = state[i]! ^ state[(i + 3) & 7]! ^ round;
      x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
      x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
      state[i] = x ^ (x >>> 16);
    }
  }
  return Array.from(state, (word) => word.toString(16).padStart(8, '0')).join('');
}
