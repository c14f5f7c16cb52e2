#!/usr/bin/env node
// The `kata` command. Sources are TypeScript, compiled without type-checking (`npm run typecheck`
// is the type check) through a cache keyed by content, so there is no build step to forget and
// no compiler to load once the cache is warm.
'use strict';

require('./ts-cache').register();
require('../src/cli/main').main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`kata: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 70;
  },
);
