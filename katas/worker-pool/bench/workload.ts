/**
 * The benchmark's task: pure CPU work, no I/O, no allocation in the loop (an FNV-1a style mix
 * over a counter). Loaded by the kata's pool (named export `crunch`) and by piscina (which wants
 * a default export, or a named one with `{ name }`), and called directly for the main-thread
 * baseline.
 */
export function crunch(rounds: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < rounds; i++) {
    hash ^= i & 0xff;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export default crunch;
