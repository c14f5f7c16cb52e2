/**
 * Lets a kata's tests run against any folder of implementation files without editing the tests.
 *
 * The tests import the learner's code as they naturally would (`../src/config-loader`). When
 * KATA_IMPL_DIRS is set, every module that resolves inside KATA_SRC_ROOT is swapped for the file
 * at the same relative path in the first listed folder that has it. Listing more than one folder
 * layers them: a wrong refactoring can hold only the file it changes and fall back to the
 * reference for the rest.
 *
 * The layering holds inside the layers too: a module that resolves into one layer (a variant's
 * `./x`, or the file a worker thread starts, `new Worker(path.join(__dirname, 'pool-worker.ts'))`)
 * is taken from the first layer that has that relative path. So a variant that changes only
 * `worker-pool.ts` starts the reference's worker file, and one that changes only the worker file
 * has it started by the reference's pool.
 *
 * Loaded as a Node `--require` (after the TypeScript loader), so the worker threads a kata starts
 * inherit it with the environment; does nothing when KATA_IMPL_DIRS is not set.
 */
import * as fs from 'node:fs';
import Module = require('node:module');
import * as path from 'node:path';

type Resolve = (request: string, parent: NodeJS.Module | undefined | null, isMain: boolean, options?: unknown) => string;
const ModuleInternals = Module as unknown as { _resolveFilename: Resolve };

const srcRoot = process.env.KATA_SRC_ROOT;
const implDirs = (process.env.KATA_IMPL_DIRS ?? '').split(path.delimiter).filter(Boolean);
/**
 * The learner's files, relative to KATA_SRC_ROOT. Any other file under it (a vendored SDK the
 * learner wraps but must not edit) is shared by every implementation: when no layer holds it,
 * it comes from KATA_SRC_ROOT itself. A learner file no layer holds is an error.
 */
const learnerFiles = new Set((process.env.KATA_LEARNER_FILES ?? '').split(path.delimiter).filter(Boolean));

/** `file`'s path relative to `dir` when it is inside it; undefined otherwise. */
function inside(dir: string, file: string): string | undefined {
  const rel = path.relative(dir, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : undefined;
}

/** Where `file` sits among the layers (the learner's src/ counts as the last one), if it does. */
function layerPath(file: string): string | undefined {
  for (const dir of implDirs) {
    const rel = inside(dir, file);
    if (rel !== undefined) return rel;
  }
  return srcRoot ? inside(srcRoot, file) : undefined;
}

/** The file at `rel` in the first layer that has it, trying the extensions a request may leave out. */
function fromLayers(rel: string): string | undefined {
  const candidates = [rel, `${rel}.ts`, `${rel}.js`, path.join(rel, 'index.ts'), path.join(rel, 'index.js')];
  for (const dir of implDirs) {
    for (const candidate of candidates) {
      const file = path.join(dir, candidate);
      if (fs.existsSync(file) && fs.statSync(file).isFile()) return file;
    }
  }
  if (!srcRoot) return undefined;
  for (const candidate of candidates) {
    const file = path.join(srcRoot, candidate);
    if (!learnerFiles.has(candidate) && fs.existsSync(file) && fs.statSync(file).isFile()) return file;
  }
  return undefined;
}

if (srcRoot && implDirs.length > 0) {
  const original = ModuleInternals._resolveFilename;

  ModuleInternals._resolveFilename = function resolveIntoImplementation(request, parent, isMain, options) {
    let resolved: string;
    try {
      resolved = original.call(this, request, parent, isMain, options);
    } catch (err) {
      // A file a layer does not hold: a variant's `./sibling`, or a worker file started by path
      // from a variant's folder. Look for the same relative path in the other layers.
      const target = path.isAbsolute(request) ? request : parent?.filename && request.startsWith('.') ? path.resolve(path.dirname(parent.filename), request) : undefined;
      const rel = target === undefined ? undefined : layerPath(target);
      const found = rel === undefined ? undefined : fromLayers(rel);
      if (!found) throw err;
      return found;
    }
    const rel = layerPath(resolved);
    if (rel === undefined) return resolved;
    const found = fromLayers(rel);
    if (found) return found;
    if (inside(srcRoot, resolved) === undefined) return resolved;
    throw new Error(
      `The implementation folder(s) ${implDirs.join(', ')} have no ${rel}, which the tests import. ` +
        `Give the folder a copy of every file under ${srcRoot}, or list a fallback folder after it.`,
    );
  };
}
