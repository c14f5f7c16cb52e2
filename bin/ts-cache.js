// Loads the library's TypeScript in the `kata` process through a disk cache of compiled output,
// keyed by each file's content: a hit costs one small read, and the TypeScript compiler (0.6 s
// to load) is loaded only on a miss. A cached file can never be stale: an edit changes its key.
// Types are not checked here (`npm run typecheck` does that), as with ts-node's transpile-only.
'use strict';
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'callback-katas', 'ts');

let compilerOptions;
/** The repo's tsconfig, as options for one CommonJS file with its source map inline. */
function options(ts) {
  if (!compilerOptions) {
    const configFile = path.join(ROOT, 'tsconfig.json');
    const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
    const { options: parsed } = ts.convertCompilerOptionsFromJson(config.compilerOptions, ROOT, configFile);
    compilerOptions = {
      ...parsed,
      module: ts.ModuleKind.CommonJS,
      // One file at a time: nothing is resolved, and node10 (CommonJS's default) is deprecated.
      moduleResolution: undefined,
      noEmit: false,
      sourceMap: false,
      inlineSourceMap: true,
      inlineSources: true,
    };
  }
  return compilerOptions;
}

function compile(filename, source) {
  const ts = require('typescript');
  const output = ts.transpileModule(source, { fileName: filename, compilerOptions: options(ts), reportDiagnostics: true });
  // A syntax error: report it as ts-node does, "file(line,col): error TSnnnn: message", which
  // the CLI turns into the learner's file and line (transpileModule would emit broken code).
  // Only errors in the file itself: an option's deprecation notice is not the learner's problem.
  const errors = (output.diagnostics || []).filter((d) => d.file && d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const where = (d) => {
      if (d.start === undefined) return path.relative(process.cwd(), filename);
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${path.relative(process.cwd(), filename)}(${line + 1},${character + 1})`;
    };
    const lines = errors.map((d) => `${where(d)}: error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    const err = new Error(`⨯ Unable to compile TypeScript:\n${lines.join('\n')}`);
    err.name = 'TSError';
    // Where the compiler was called from is no help to anyone: the message says where to look.
    err.stack = `${err.name}: ${err.message}`;
    throw err;
  }
  return output.outputText;
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
/** What else decides the output: the compiler's version and the tsconfig. */
function cacheSalt() {
  if (salt === undefined) {
    const tsVersion = require('typescript/package.json').version;
    salt = `${tsVersion}\0${fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')}`;
  }
  return salt;
}

/** Makes `require` of a .ts file go through the cache. */
function register() {
  process.setSourceMapsEnabled(true);
  Module._extensions['.ts'] = function loadTs(module, filename) {
    module._compile(compiled(filename, fs.readFileSync(filename, 'utf8')), filename);
  };
}

module.exports = { register };
