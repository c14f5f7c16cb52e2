#!/usr/bin/env node
// The `kata` command. Sources are TypeScript, run through ts-node without type-checking
// (`npm run typecheck` is the type check), so there is no build step to forget.
'use strict';
const path = require('node:path');

require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', 'tsconfig.json') });
require('../src/cli/main').main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`kata: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 70;
  },
);
