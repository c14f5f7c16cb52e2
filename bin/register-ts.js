// `node --require` entry: load .ts files through the content-keyed compile cache (ts-cache.js).
// Kata test runs use it instead of ts-node, so a run loads the TypeScript compiler only when a
// file changed, and recompiles only that file.
'use strict';
require('./ts-cache').register();
