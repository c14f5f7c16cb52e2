// The TypeScript loader as a `node --require` entry (bin/ts-cache.js): kata runs start Node with
// it as a Node option, not a mocha one, so the worker threads a kata starts inherit it. A worker
// started with an `execArgv` of its own must include `process.execArgv` to keep it.
'use strict';
require('./ts-cache').register();
