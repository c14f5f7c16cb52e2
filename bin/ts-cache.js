// The one TypeScript loader of this library: the `kata` command, mocha (the library's own tests
// and every kata run), `kata watch`, kata worker threads, benches and scripts all load .ts files
// through it. ts-node is the compiler (its tsconfig handling, its diagnostics), transpile-only:
// types are checked by `npm run typecheck`. In front of it sits a disk cache of compiled output
// keyed by each file's content, so a hit costs one small read and loads no compiler at all (ts-node
// and TypeScript take 0.6 s or more to load), and only a changed file pays a compile. A cached file
// can never be stale: an edit changes its key.
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
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    const code = compile(filename, source);
    try {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      // Write then rename: two `kata` processes never see half a file.
      const tmp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, cached);
    } catch {
      // A read-only checkout still works, just without the cache.
    }
    return code;
  }
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

module.exports = { register, compileFile };
