// Types of bin/ts-cache.js, the library's one TypeScript loader, for the TypeScript that uses it.

/** Makes `require` of a .ts file go through the content-keyed cache, compiled by ts-node. */
export function register(): void;

/** The JavaScript the loader makes of `filename` (CommonJS, inline source map), cached by content. */
export function compileFile(filename: string): string;
