#!/usr/bin/env node
/**
 * `npm run typecheck`: tsc over the whole repository, with one thing tsc alone cannot do: the
 * layering of kata variants. A variant folder under a kata's `.meta/` (a wrong or alternative
 * refactoring, a step snapshot) holds only the files it changes; at run time the implementation
 * redirect (src/runner/impl-redirect.ts) finds the rest in the layer under it: the reference for
 * a variant, the starter for a step snapshot. Here a relative import that a variant's own folder
 * cannot satisfy is resolved the same way, so every `.meta` file is type-checked against the
 * very files it runs with, and no variant needs a copy of a reference file.
 *
 * Usage: node scripts/typecheck.js        (exit 1 and tsc's diagnostics when there are errors)
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const ROOT = path.resolve(__dirname, '..');

/** For a file inside a kata's variant folder: the variant folder and the layer under it. */
function layersOf(file) {
  const rel = path.relative(path.join(ROOT, 'katas'), file).split(path.sep);
  // katas/<kata>/.meta/<kind>/<name>/...
  if (rel.length < 5 || rel[1] !== '.meta') return undefined;
  const [kata, , kind, name] = rel;
  const kataDir = path.join(ROOT, 'katas', kata);
  const meta = JSON.parse(fs.readFileSync(path.join(kataDir, 'kata.json'), 'utf8'));
  const variant = path.join(kataDir, '.meta', kind, name);
  const src = path.join(kataDir, commonRoot(meta.files));
  if (kind === 'wrong' || kind === 'alternatives') return { variant, under: [path.join(kataDir, meta.solution)] };
  if (kind === 'steps') return { variant, under: [src] };
  return undefined;
}

function commonRoot(files) {
  const dirs = files.map((f) => path.dirname(path.normalize(f)).split(path.sep));
  let n = dirs[0].length;
  for (const d of dirs) {
    let i = 0;
    while (i < n && d[i] === dirs[0][i]) i++;
    n = i;
  }
  return dirs[0].slice(0, n).join(path.sep) || '.';
}

function main() {
  const configFile = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  if (configFile.error) return report([configFile.error]);
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
  if (parsed.errors.length) return report(parsed.errors);
  const options = parsed.options;
  const host = ts.createCompilerHost(options);
  const cache = ts.createModuleResolutionCache(ROOT, (f) => f, options);

  host.resolveModuleNameLiterals = (literals, containingFile, redirectedReference, opts, containingSourceFile) =>
    literals.map((literal) => {
      const name = literal.text;
      const mode = ts.getModeForUsageLocation(containingSourceFile, literal, opts);
      const resolved = ts.resolveModuleName(name, containingFile, opts, host, cache, redirectedReference, mode);
      if (resolved.resolvedModule || !name.startsWith('.')) return resolved;
      const layers = layersOf(containingFile);
      if (!layers) return resolved;
      const relDir = path.relative(layers.variant, path.dirname(containingFile));
      for (const under of layers.under) {
        const stand = path.join(under, relDir, path.basename(containingFile));
        const fallback = ts.resolveModuleName(name, stand, opts, host, cache, redirectedReference, mode);
        if (fallback.resolvedModule) return fallback;
      }
      return resolved;
    });

  const program = ts.createProgram({ rootNames: parsed.fileNames, options, host });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const meta = parsed.fileNames.filter((f) => f.includes(`${path.sep}.meta${path.sep}`)).length;
  if (diagnostics.length) return report(diagnostics);
  console.log(`typecheck: ${parsed.fileNames.length} files, ${meta} of them under katas/*/.meta, no errors.`);
  return 0;
}

function report(diagnostics) {
  const formatHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
  const text = process.stdout.isTTY ? ts.formatDiagnosticsWithColorAndContext(diagnostics, formatHost) : ts.formatDiagnostics(diagnostics, formatHost);
  process.stdout.write(text);
  console.log(`typecheck: ${diagnostics.length} error(s).`);
  return 1;
}

process.exitCode = main();
