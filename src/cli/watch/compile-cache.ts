/**
 * Keeps the compiled JavaScript of each TypeScript file under a folder, so that when `kata watch`
 * reloads the kata after a save, only the files whose text changed are compiled again. Even
 * transpile-only, TypeScript takes tens of milliseconds per file (hundreds on a busy machine),
 * and the kata's own test file, the largest, never changes.
 *
 * Goes in front of ts-node's `.ts` loader; files elsewhere are left to ts-node. Compiles
 * through ts-node's own service, so stack traces keep mapping to the TypeScript lines: ts-node
 * keeps the source map of the latest compile of each file, and this cache holds only that one.
 */
import * as fs from 'node:fs';
import Module = require('node:module');
import * as path from 'node:path';

interface TsNodeService {
  compile(code: string, fileName: string): string;
}
type Loader = (module: NodeJS.Module, filename: string) => void;
type CompilingModule = NodeJS.Module & { _compile(code: string, filename: string): unknown };

const REGISTER_INSTANCE = Symbol.for('ts-node.register.instance');

export interface CompileCache {
  /** Compiles a file ahead of its first load. */
  warm(filename: string): void;
}

/**
 * Installs the cache for files under `isCached(file)`. Returns undefined (and changes nothing)
 * when ts-node is not registered in this process, as when the library runs compiled.
 */
export function installCompileCache(isCached: (file: string) => boolean): CompileCache | undefined {
  const service = (process as unknown as Record<symbol, TsNodeService | undefined>)[REGISTER_INSTANCE];
  const extensions = (Module as unknown as { _extensions: Record<string, Loader> })._extensions;
  const tsLoader = extensions['.ts'];
  if (!service || !tsLoader) return undefined;
  const compiled = new Map<string, { source: string; output: string }>();
  const compile = (filename: string) => {
    const source = fs.readFileSync(filename, 'utf8');
    let entry = compiled.get(filename);
    if (entry?.source !== source) {
      entry = { source, output: service.compile(source, filename) };
      compiled.set(filename, entry);
    }
    return entry.output;
  };
  extensions['.ts'] = function loadThroughCache(module, filename) {
    if (!isCached(filename)) return tsLoader(module, filename);
    (module as CompilingModule)._compile(compile(filename), filename);
  };
  return { warm: (filename) => void compile(filename) };
}

/** True for files under `dir`, outside node_modules. */
export function under(dir: string): (file: string) => boolean {
  const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
  return (file) => file.startsWith(prefix) && !file.includes(`${path.sep}node_modules${path.sep}`);
}
