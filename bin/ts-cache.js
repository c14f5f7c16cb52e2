// The one TypeScript loader of this library: the `kata` command, mocha (the library's own tests
// and every kata run), `kata watch`, kata worker threads, benches and scripts all load .ts files
// through it. ts-node is the compiler (its tsconfig handling, its diagnostics), transpile-only:
// types are checked by `npm run typecheck`. In front of it sits a disk cache of compiled output
// keyed by each file's content, so a hit costs one small read and loads no compiler at all (ts-node
// and TypeScript take 0.6 s or more to load), and only a changed file pays a compile. A cached file
// can never be stale: an edit changes its key. Entries not used for two weeks are removed.
//
// Worker threads inherit their parent's execArgv: a process started as `node --require
// bin/register-ts.js` (as kata runs are) gives every `new Worker(file.ts)` the same loader.
'use strict';
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'callback-katas', 'ts');
const TSCONFIG = path.join(ROOT, 'tsconfig.json');

let service;
/** ts-node's compiler service, created on the first cache miss only. */
function compiler() {
  if (!service) {
    // ts-node installs source-map-support as it starts, and that maps stack traces only for the
    // files ts-node compiled in this process: every file loaded from the cache would show the
    // compiled JavaScript's line numbers. Node's own source maps (enabled in register()) read the
    // map inside each compiled file, wherever it came from, so they stay in charge.
    const { prepareStackTrace } = Error;
    const { emit } = process;
    // Its transpile-only mode, for this repo's tsconfig whatever the working directory.
    service = require('ts-node').create({ project: TSCONFIG, transpileOnly: true });
    Error.prepareStackTrace = prepareStackTrace;
    process.emit = emit;
  }
  return service;
}

/**
 * ts-node's compile. Its syntax errors say "file(line,col): error TSnnnn: message", which the CLI
 * turns into the learner's file and line; where ts-node was called from is no help to anyone.
 */
function compile(filename, source) {
  try {
    return compiler().compile(source, filename);
  } catch (err) {
    if (err && err.name === 'TSError') err.stack = `${err.name}: ${err.message}`;
    throw err;
  }
}

/** Compiled JavaScript for `filename`, from the cache or compiled now and stored. */
function compiled(filename, source) {
  const key = createHash('sha256').update(filename).update('\0').update(source).update('\0').update(cacheSalt()).digest('hex');
  const cached = path.join(CACHE_DIR, `${key}.js`);
  let code;
  try {
    code = fs.readFileSync(cached, 'utf8');
  } catch {
    code = compile(filename, source);
    try {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      // Write then rename: two `kata` processes never see half a file.
      const tmp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, cached);
      // A compile is the slow path already: the time to forget what has not been used for weeks.
      pruneCache(CACHE_DIR);
    } catch {
      // A read-only checkout still works, just without the cache.
    }
    return code;
  }
  markUsed(cached);
  return code;
}

// Every saved version of a file is a new entry, so the cache would grow for as long as a learner
// works. An entry's modification time says when it was last used (refreshed at most once a day,
// so a hit costs one stat), and entries unused for PRUNE_AFTER_DAYS are removed, at most once a day.
const DAY_MS = 24 * 60 * 60 * 1000;
const PRUNE_AFTER_DAYS = 14;

/** Marks a cache entry as used today. */
function markUsed(file, now = Date.now()) {
  try {
    if (fs.statSync(file).mtimeMs < now - DAY_MS) fs.utimesSync(file, now / 1000, now / 1000);
  } catch {
    // Removed meanwhile, or read-only: it is only a hint for pruning.
  }
}

/**
 * Removes the entries of `dir` (.js and .json files) not used for `afterDays` days, and temporary
 * files left by a process that died mid-write; does nothing if the last prune of `dir` was less
 * than a day ago. Returns how many files it removed. Also prunes the callback-hell check's cache.
 */
function pruneCache(dir, { now = Date.now(), afterDays = PRUNE_AFTER_DAYS } = {}) {
  const stamp = path.join(dir, '.last-prune');
  try {
    if (fs.statSync(stamp).mtimeMs > now - DAY_MS) return 0;
  } catch {
    // Never pruned.
  }
  try {
    fs.writeFileSync(stamp, `${new Date(now).toISOString()}\n`);
    fs.utimesSync(stamp, now / 1000, now / 1000);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of fs.readdirSync(dir)) {
    const isEntry = name.endsWith('.js') || name.endsWith('.json');
    if (!isEntry && !name.endsWith('.tmp')) continue;
    const file = path.join(dir, name);
    try {
      const age = now - fs.statSync(file).mtimeMs;
      if (age > (isEntry ? afterDays * DAY_MS : DAY_MS)) {
        fs.unlinkSync(file);
        removed += 1;
      }
    } catch {
      // Another process removed it first.
    }
  }
  return removed;
}

let salt;
/** What else decides the output: the compilers' versions and the tsconfig. */
function cacheSalt() {
  if (salt === undefined) {
    const versions = ['typescript', 'ts-node'].map((pkg) => require(`${pkg}/package.json`).version);
    salt = `${versions.join('\0')}\0${fs.readFileSync(TSCONFIG, 'utf8')}`;
  }
  return salt;
}

let registered = false;
/** Makes `require` of a .ts file go through the cache. Calling it again changes nothing. */
function register() {
  if (registered) return;
  registered = true;
  process.setSourceMapsEnabled(true);
  // Node 22.1 and later keep V8's compiled code of every module on disk (Node's compile cache, in
  // the system's temp folder), so the next process loads ESLint and TypeScript (the CLI), mocha,
  // chai and sinon (a run) faster. Not where coverage is measured: Node's docs warn that it can
  // make coverage less precise. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  if (typeof Module.enableCompileCache === 'function' && !process.env.NODE_V8_COVERAGE) Module.enableCompileCache();
  // require.extensions: Node's documented way for a CommonJS loader to handle an extension. It
  // also takes precedence over the type stripping of Node 22.18+, which would skip the cache.
  Module._extensions['.ts'] = function loadTs(module, filename) {
    module._compile(compiled(filename, fs.readFileSync(filename, 'utf8')), filename);
  };
}

/**
 * The JavaScript the loader makes of `filename`, from the cache when the file is unchanged: for
 * code that must run as plain JavaScript elsewhere (a child process with a capped heap, a bench
 * that measures compiled code), and to warm the cache ahead of a file's first load.
 */
function compileFile(filename) {
  return compiled(filename, fs.readFileSync(filename, 'utf8'));
}

module.exports = { register, compileFile, pruneCache, markUsed };
