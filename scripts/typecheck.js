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
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

require('../bin/ts-cache').register();
const { applyVariantPatch } = require('../src/kata/variant-patches.ts');

const ROOT = path.resolve(__dirname, '..');

/** Every *.patch under a kata's .meta/. */
function metaPatches() {
  const katas = path.join(ROOT, 'katas');
  return fs.readdirSync(katas).flatMap((kata) => {
    const meta = path.join(katas, kata, '.meta');
    if (!fs.existsSync(meta)) return [];
    return fs.readdirSync(meta, { recursive: true }).map(String).filter((f) => f.endsWith('.ts.patch')).map((f) => path.join(meta, f));
  });
}

function variantOf(file) {
  const layers = layersOf(file);
  if (!layers) throw new Error(`${path.relative(ROOT, file)} is a patch outside any variant folder (.meta/wrong/<name>, .meta/alternatives/<name>, .meta/steps/<n>).`);
  return layers;
}

/** For a file inside a kata's variant folder: the variant folder and the layer under it. */
function layersOf(file) {
  const rel = path.relative(path.join(ROOT, 'katas'), file).split(path.sep);
  // katas/<kata>/.meta/<kind>/<name>/... (or .meta/solution/...)
  if (rel.length < 4 || rel[1] !== '.meta') return undefined;
  const [kata, , kind, name] = rel;
  const kataDir = path.join(ROOT, 'katas', kata);
  const meta = JSON.parse(fs.readFileSync(path.join(kataDir, 'kata.json'), 'utf8'));
  const variant = path.join(kataDir, '.meta', kind, name);
  const src = path.join(kataDir, commonRoot(meta.files));
  // The reference itself is a layer over the starter's shared files (a vendored SDK under src/).
  if (path.join(kataDir, meta.solution) === path.join(kataDir, '.meta', kind)) return { variant: path.join(kataDir, meta.solution), under: [src] };
  if (kind === 'wrong' || kind === 'alternatives') return { variant, under: [path.join(kataDir, meta.solution), src] };
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

/** A source file made from a patch, with the content version the incremental builder compares. */
function virtualSourceFile(file, text, languageVersion) {
  const sf = ts.createSourceFile(file, text, languageVersion, true);
  sf.version = createHash('sha256').update(text).digest('hex');
  return sf;
}

function main() {
  const configFile = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  if (configFile.error) return report([configFile.error]);
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
  if (parsed.errors.length) return report(parsed.errors);
  // Incremental: the build info kept under node_modules/.cache lets a rerun skip what did not
  // change (tsc's own bookkeeping, sound across files); a fresh clone simply has none yet. One
  // file per checkout: a copy that shares this node_modules (a test's sandbox) keeps its own.
  const options = { ...parsed.options, incremental: true, tsBuildInfoFile: path.join(ROOT, 'node_modules', '.cache', 'typecheck', `${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.tsbuildinfo`) };
  const host = ts.createIncrementalCompilerHost(options);

  // A variant's patches (<file>.ts.patch) are checked as the files they make: the file of the
  // same name in the layer under the variant, with the patch applied.
  const virtual = new Map();
  const patchErrors = [];
  for (const patch of metaPatches()) {
    const variant = variantOf(patch);
    const rel = path.relative(variant.variant, patch).slice(0, -'.patch'.length);
    try {
      virtual.set(path.join(variant.variant, rel), applyVariantPatch(variant.variant, rel, variant.under[0]));
    } catch (err) {
      patchErrors.push(err.message);
    }
  }
  if (patchErrors.length) {
    console.log(patchErrors.join('\n'));
    console.log(`typecheck: ${patchErrors.length} patch(es) that no longer apply.`);
    return 1;
  }
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => virtual.has(path.resolve(f)) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(path.resolve(f)) ?? readFile.call(host, f);
  host.getSourceFile = (f, languageVersion, onError, shouldCreate) =>
    virtual.has(path.resolve(f)) ? virtualSourceFile(f, virtual.get(path.resolve(f)), languageVersion) : getSourceFile.call(host, f, languageVersion, onError, shouldCreate);
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

  const rootNames = [...parsed.fileNames, ...[...virtual.keys()].filter((f) => !parsed.fileNames.includes(f))];
  const builder = ts.createIncrementalProgram({ rootNames, options, host });
  const diagnostics = [...builder.getConfigFileParsingDiagnostics(), ...builder.getOptionsDiagnostics(), ...builder.getGlobalDiagnostics(), ...builder.getSyntacticDiagnostics(), ...builder.getSemanticDiagnostics()];
  builder.emit(); // with noEmit, writes only the build info
  const meta = rootNames.filter((f) => f.includes(`${path.sep}.meta${path.sep}`)).length;
  if (diagnostics.length) return report(diagnostics);
  console.log(`typecheck: ${rootNames.length} files, ${meta} of them under katas/*/.meta (${virtual.size} made from patches), no errors.`);
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
