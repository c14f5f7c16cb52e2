/**
 * config-loader: reads the service's JSON configuration.
 *
 * A config file may extend other config files (`"extends": "base.json"` or a list of them),
 * given relative to the file that includes them. Parents are merged first, in the order listed,
 * then the including file on top; objects are merged key by key, anything else (arrays
 * included) is replaced. DEFAULTS sit under everything. When NODE_ENV is set, a file named
 * after it next to the loaded one (app.production.json for app.json) goes on top, if it exists.
 *
 * Written in 2014 and not touched since. It works on the happy path. Your job is in README.md.
 */
import fs = require('fs');
import fsp = require('fs/promises');
import path = require('path');
import util = require('util');

export type Config = { [key: string]: unknown };
export type ConfigCallback = (err: Error | null, config?: Config) => void;

export const DEFAULTS: Config = {
  port: 8080,
  host: '127.0.0.1',
  log: { level: 'info', file: null },
};

function readConfig(file: string, callback: ConfigCallback): void {
  fs.readFile(file, 'utf8', function (err, text) {
    if (err) return callback(err);
    var config = JSON.parse(text) as Config;
    var includes = ([] as string[]).concat((config.extends as string | string[] | undefined) || []);
    delete config.extends;
    if (includes.length === 0) return callback(null, config);

    // Load the parents in parallel, it is faster.
    var dir = path.dirname(file);
    var parents: Config[] = [];
    var pending = includes.length;
    includes.forEach(function (include, i) {
      readConfig(path.resolve(dir, include), function (err, parent) {
        if (err) return callback(err);
        parents[i] = parent!;
        pending--;
        if (pending === 0) {
          var result: Config = {};
          parents.forEach(function (p) {
            merge(result, p);
          });
          callback(null, merge(result, config));
        }
      });
    });
  });
}

function merge(target: Config, source: Config): Config {
  Object.keys(source).forEach(function (key) {
    var value = source[key];
    if (isObject(value) && isObject(target[key])) {
      merge(target[key] as Config, value as Config);
    } else if (isObject(value)) {
      target[key] = merge({}, value as Config);
    } else {
      target[key] = value;
    }
  });
  return target;
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads `file` and its parents with fs/promises. `chain` is the files that extend it, outermost
 * first: a file already in it is a cycle.
 */
function readConfigAsync(file: string, chain: string[]): Promise<Config> {
  if (chain.indexOf(file) >= 0) {
    var cycle = chain.slice(chain.indexOf(file)).concat(file).map((f) => path.basename(f));
    return Promise.reject(new Error('extends cycle: ' + cycle.join(' -> ')));
  }
  return fsp.readFile(file, 'utf8').then(function (text) {
    var config: Config;
    try {
      config = JSON.parse(text) as Config;
    } catch (err) {
      throw new Error(file + ' is not valid JSON', { cause: err });
    }
    var includes = ([] as string[]).concat((config.extends as string | string[] | undefined) || []);
    delete config.extends;
    var dir = path.dirname(file);
    return Promise.all(includes.map((include) => readConfigAsync(path.resolve(dir, include), chain.concat(file)))).then(function (parents) {
      var result: Config = {};
      parents.forEach(function (p) {
        merge(result, p);
      });
      return merge(result, config);
    });
  });
}

/** The promise API new callers want. */
export const promises = {
  /**
   * Resolves with the merged configuration of `file`; rejects when a file is missing, is not
   * valid JSON (the error names the file) or the extends chain loops back on itself.
   */
  loadConfig(file: string): Promise<Config> {
    var resolved = path.resolve(file);
    return readConfigAsync(resolved, []).then(function (config) {
      var result = merge(merge({}, DEFAULTS), config);
      var env = process.env.NODE_ENV;
      if (!env) return result;
      var envFile = resolved.replace(/\.json$/, '.' + env + '.json');
      return readConfigAsync(envFile, []).then(
        (envConfig) => merge(result, envConfig),
        (err: NodeJS.ErrnoException) => {
          // No file for this environment: no overrides. A file it extends must exist, though.
          if (err.code === 'ENOENT' && err.path === envFile) return result;
          throw err;
        },
      );
    });
  },
};

/**
 * The callback API. Old callers (and the safety-net tests) use it: keep its signature and
 * behaviour. A shim over the promise API.
 */
export const loadConfig: (file: string, callback: ConfigCallback) => void = util.callbackify(promises.loadConfig);
