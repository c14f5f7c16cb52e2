/**
 * A wrong refactoring that is one small change is best kept as exactly that change: a unified
 * diff against the reference, `<file>.patch` in the variant's folder, which reads in a code
 * review as the learner's mistake and cannot drift from the reference unnoticed. The runner and
 * the type check apply it to the file of the same name in the layer under the variant (the
 * reference for a wrong or alternative refactoring, the starter for a step snapshot); a patch
 * that no longer applies is an error that says which file and what to do.
 *
 * @example
 * // .meta/wrong/lifo-queue/worker-pool.ts.patch
 * const dir = materializeVariant('.meta/wrong/lifo-queue', '.meta/solution'); // temp folder
 */
import { applyPatch, createTwoFilesPatch } from 'diff';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { REPO_ROOT } from './catalog';
import { KataFormatError } from './errors';

/**
 * Where variants made of patches are written for a run: inside the repository (under
 * node_modules/.cache), so that a patched file finds the kata's dependencies (the `async`
 * package, say) the way the file it replaces does. A folder under the system's tmp finds none.
 */
function scratchDir(prefix: string): string {
  const root = path.join(REPO_ROOT, 'node_modules', '.cache', 'kata-variants');
  fs.mkdirSync(root, { recursive: true });
  return fs.mkdtempSync(path.join(root, prefix));
}

export const PATCH_SUFFIX = '.patch';

/** Files of a folder, relative to it, recursively. */
function filesOf(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((rel) => fs.statSync(path.join(dir, rel)).isFile());
}

/** Whether the folder holds any patch: only then does it need materializing. */
export function hasPatches(dir: string): boolean {
  return fs.existsSync(dir) && filesOf(dir).some((f) => f.endsWith(PATCH_SUFFIX));
}

/**
 * The content of `<variant>/<rel>.patch` applied to `<under>/<rel>`.
 *
 * @throws {KataFormatError} (KATA_PATCH_FAILED) when the file under it is missing or has changed
 *   so that the patch no longer applies.
 */
export function applyVariantPatch(variantDir: string, rel: string, underDir: string): string {
  const patchFile = path.join(variantDir, `${rel}${PATCH_SUFFIX}`);
  const target = path.join(underDir, rel);
  const shown = path.relative(process.cwd(), patchFile) || patchFile;
  if (!fs.existsSync(target)) {
    throw new KataFormatError(shown, `patches ${rel}, but ${path.relative(process.cwd(), target)} does not exist.`, 'name the patch after a file of the layer under the variant (the reference), or hold the whole file instead.', { code: 'KATA_PATCH_FAILED' });
  }
  const result = applyPatch(fs.readFileSync(target, 'utf8'), fs.readFileSync(patchFile, 'utf8'));
  if (result === false) {
    throw new KataFormatError(
      shown,
      `no longer applies to ${path.relative(process.cwd(), target)}: the reference changed where the mistake is made.`,
      'write the mistake again on the current reference and regenerate the patch (`node scripts/variant-patch.js <variant-folder>`), or hold the whole file if it is no longer a small change.',
      { code: 'KATA_PATCH_FAILED' },
    );
  }
  return result;
}

/**
 * The variant as a folder of whole files: itself when it holds no patch, else a temporary copy
 * with each patch applied. `dispose` removes the copy.
 */
export function materializeVariant(variantDir: string, underDir: string): { dir: string; dispose: () => void } {
  if (!hasPatches(variantDir)) return { dir: variantDir, dispose: () => undefined };
  const out = scratchDir(`${path.basename(variantDir)}-`);
  try {
    for (const rel of filesOf(variantDir)) {
      const dest = path.join(out, rel.endsWith(PATCH_SUFFIX) ? rel.slice(0, -PATCH_SUFFIX.length) : rel);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      if (rel.endsWith(PATCH_SUFFIX)) fs.writeFileSync(dest, applyVariantPatch(variantDir, rel.slice(0, -PATCH_SUFFIX.length), underDir));
      else fs.copyFileSync(path.join(variantDir, rel), dest);
    }
  } catch (err) {
    fs.rmSync(out, { recursive: true, force: true });
    throw err;
  }
  return { dir: out, dispose: () => fs.rmSync(out, { recursive: true, force: true }) };
}

/**
 * The variant as whole files laid over the layer under it, in one temporary folder: what a run
 * sees through the implementation redirect, for a tool that reads a folder (the callback-hell
 * check, whose type-aware rules need every file the variant imports).
 */
export function layeredCopy(variantDir: string, underDir: string): { dir: string; dispose: () => void } {
  const variant = materializeVariant(variantDir, underDir);
  const out = scratchDir(`layered-${path.basename(variantDir)}-`);
  try {
    fs.cpSync(underDir, out, { recursive: true });
    fs.cpSync(variant.dir, out, { recursive: true });
  } catch (err) {
    fs.rmSync(out, { recursive: true, force: true });
    throw err;
  } finally {
    variant.dispose();
  }
  return { dir: out, dispose: () => fs.rmSync(out, { recursive: true, force: true }) };
}

/** The patch that turns `<under>/<rel>` into `changed` (what `kata patch` writes). */
export function makeVariantPatch(rel: string, underText: string, changed: string): string {
  return createTwoFilesPatch(`reference/${rel}`, `variant/${rel}`, underText, changed, undefined, undefined, { context: 3 });
}
