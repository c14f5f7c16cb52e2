#!/usr/bin/env node
/**
 * For kata authors: keep a small wrong refactoring as a patch against the reference.
 *
 *   node scripts/variant-patch.js katas/<kata>/.meta/wrong/<mistake>            whole files -> patches
 *   node scripts/variant-patch.js katas/<kata>/.meta/wrong/<mistake> --expand   patches -> whole files
 *
 * The usual loop: --expand, edit the whole file (your editor, the type checker and `kata try`
 * see ordinary code), then run it again without --expand. A file identical to the reference is
 * removed (the variant gets it from the reference); a file with no counterpart in the reference
 * stays whole. Step snapshots (.meta/steps/<n>) patch the starter instead of the reference.
 */
'use strict';
require('../bin/ts-cache').register();
const fs = require('node:fs');
const path = require('node:path');
const { applyVariantPatch, makeVariantPatch, PATCH_SUFFIX } = require('../src/kata/variant-patches.ts');
const { loadKata, implementationRoot } = require('../src/kata/metadata.ts');

function main(args) {
  const expand = args.includes('--expand');
  const target = args.find((a) => !a.startsWith('--'));
  if (!target) {
    console.error('Usage: node scripts/variant-patch.js katas/<kata>/.meta/<wrong|alternatives|steps>/<name> [--expand]');
    return 2;
  }
  const variant = path.resolve(target);
  const parts = path.relative(path.resolve(__dirname, '..', 'katas'), variant).split(path.sep);
  if (parts.length !== 4 || parts[1] !== '.meta' || !fs.existsSync(variant)) {
    console.error(`${target} is not a variant folder: expected katas/<kata>/.meta/<wrong|alternatives|steps>/<name>.`);
    return 2;
  }
  const kata = loadKata(path.resolve(__dirname, '..', 'katas', parts[0]));
  const under = parts[2] === 'steps' ? implementationRoot(kata) : path.join(kata.dir, kata.meta.solution);
  const files = fs.readdirSync(variant, { recursive: true }).map(String).filter((f) => fs.statSync(path.join(variant, f)).isFile());
  for (const rel of files) {
    const file = path.join(variant, rel);
    if (expand) {
      if (!rel.endsWith(PATCH_SUFFIX)) continue;
      const whole = rel.slice(0, -PATCH_SUFFIX.length);
      fs.writeFileSync(path.join(variant, whole), applyVariantPatch(variant, whole, under));
      fs.rmSync(file);
      console.log(`expanded ${whole}`);
      continue;
    }
    if (rel.endsWith(PATCH_SUFFIX)) continue;
    const reference = path.join(under, rel);
    if (!fs.existsSync(reference)) {
      console.log(`kept whole ${rel} (the layer under it has no such file)`);
      continue;
    }
    const before = fs.readFileSync(reference, 'utf8');
    const after = fs.readFileSync(file, 'utf8');
    fs.rmSync(file);
    if (before === after) {
      console.log(`removed ${rel} (identical to ${path.relative(kata.dir, reference)})`);
      continue;
    }
    fs.writeFileSync(`${file}${PATCH_SUFFIX}`, makeVariantPatch(rel, before, after));
    console.log(`wrote ${rel}${PATCH_SUFFIX}`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
