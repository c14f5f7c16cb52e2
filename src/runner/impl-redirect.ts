/**
 * Lets a kata's tests run against any folder of implementation files without editing the tests.
 *
 * The tests import the learner's code as they naturally would (`../src/config-loader`). When
 * KATA_IMPL_DIRS is set, every module that resolves inside KATA_SRC_ROOT is swapped for the file
 * at the same relative path in the first listed folder that has it. Listing more than one folder
 * layers them: a wrong refactoring can hold only the file it changes and fall back to the
 * reference for the rest.
 *
 * Loaded with `mocha --require`; does nothing when KATA_IMPL_DIRS is not set. Files started by
 * path rather than by `require` (a `new Worker(file)`) are not redirected: resolve them relative
 * to `__dirname`, and give a variant every file it starts that way.
 */
import * as fs from 'node:fs';
import Module = require('node:module');
import * as path from 'node:path';

type Resolve = (request: string, parent: NodeJS.Module | undefined, isMain: boolean, options?: unknown) => string;
const ModuleInternals = Module as unknown as { _resolveFilename: Resolve };

const srcRoot = process.env.KATA_SRC_ROOT;
const implDirs = (process.env.KATA_IMPL_DIRS ?? '').split(path.delimiter).filter(Boolean);

if (srcRoot && implDirs.length > 0) {
  const original = ModuleInternals._resolveFilename;
  const inside = (dir: string, file: string) => {
    const rel = path.relative(dir, file);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : undefined;
  };

  ModuleInternals._resolveFilename = function resolveIntoImplementation(request, parent, isMain, options) {
    let resolved: string;
    try {
      resolved = original.call(this, request, parent, isMain, options);
    } catch (err) {
      // A layered variant importing a sibling it does not hold itself: look in the other layers.
      const fromLayer = parent?.filename ? implDirs.find((d) => inside(d, parent.filename)) : undefined;
      if (!fromLayer || !request.startsWith('.')) throw err;
      const relDir = path.dirname(path.relative(fromLayer, parent!.filename));
      for (const dir of implDirs) {
        try {
          return original.call(this, path.join(dir, relDir, request), parent, isMain, options);
        } catch {
          // try the next layer
        }
      }
      throw err;
    }
    const rel = inside(srcRoot, resolved);
    if (rel === undefined) return resolved;
    for (const dir of implDirs) {
      const candidate = path.join(dir, rel);
      if (fs.existsSync(candidate)) return candidate;
    }
    throw new Error(
      `The implementation folder(s) ${implDirs.join(', ')} have no ${rel}, which the tests import. ` +
        `Give the folder a copy of every file under ${srcRoot}, or list a fallback folder after it.`,
    );
  };
}
