// Types of bin/ts-cache.js, the library's one TypeScript loader, for the TypeScript that uses it.

/** Makes `require` of a .ts file go through the content-keyed cache, compiled by ts-node. */
export function register(): void;

/** The JavaScript the loader makes of `filename` (CommonJS, inline source map), cached by content. */
export function compileFile(filename: string): string;

/**
 * Removes the cache entries (.js and .json files) in `dir` not used for `afterDays` days (default
 * 14), and temporary files left by a process that died mid-write; at most once a day per folder.
 * Returns how many files it removed. The loader calls it after each compile, the callback-hell
 * check's cache after each check it stores.
 */
export function pruneCache(dir: string, options?: { now?: number; afterDays?: number }): number;

/** Marks a cache entry as used today (its modification time), at most once a day. */
export function markUsed(file: string, now?: number): void;
