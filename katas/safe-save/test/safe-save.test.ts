// The kata's tests. Do not change this file: make them pass by changing src/. Your own tests go in test/mine/.
import { expect } from 'chai';
import * as fs from 'node:fs/promises';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';

import {
  callLegacy,
  callPromise,
  captureUncaught,
  describeValue,
  fsFaults,
  KataAssertionError,
  messages,
  outcome,
  type Outcome,
  untilDoneOrStalled,
  useTempDir,
  watch,
  whenQuiet,
} from '../../../src/harness';
// Before the code under test: the probe wraps fs functions that code might capture when it loads.
import { codesIn, STEPS, type Step, useSaveProbe } from './support/save-probe';
import { type Content, promises, saveDocument } from '../src/safe-save';

const ORIGINAL = 'version 1: the document as it is before the save\n';
const OLDER = 'version 0: the backup an earlier save kept\n';
const NEW = 'version 2: the new version, which must land whole or not at all\n'.repeat(40);
/** Two versions saved at once: different lengths and letters, so a mix of the two shows. */
const FIRST = `${'A'.repeat(3000)}\n`;
const SECOND = `${'B'.repeat(1000)}\n`;

/** The error each step fails with: a different code each, so the test can tell whose error reached the caller. */
const CODES: Record<Step, string> = { create: 'EMFILE', write: 'ENOSPC', flush: 'EIO', backup: 'EDQUOT', rename: 'EPERM' };
const CLEANUP_CODE = 'EBUSY';

describe('safe-save', () => {
  const probe = useSaveProbe();
  const tmp = useTempDir('safe-save-');
  const doc = () => tmp.file('doc.txt');
  const bak = () => tmp.file('doc.txt.bak');

  /** The folder's files and their bytes, read without being recorded by fsFaults. */
  const listing = () =>
    fsFaults.untracked(async () => {
      const files = new Map<string, Buffer>();
      for (const name of (await fs.readdir(tmp.path)).sort()) files.set(name, await fs.readFile(path.join(tmp.path, name)));
      return files;
    });

  const show = (bytes: Buffer | undefined): string => {
    if (bytes === undefined) return 'missing';
    for (const [name, text] of [['the original', ORIGINAL], ['the older backup', OLDER], ['the new version', NEW], ['the first save\'s version', FIRST], ['the second save\'s version', SECOND]] as const) {
      if (bytes.equals(Buffer.from(text))) return name;
    }
    const text = bytes.toString();
    if (/^[[{]/.test(text) && bytes.length < 200) return JSON.stringify(text);
    return `${bytes.length} bytes starting ${JSON.stringify(text.slice(0, 40))}${/A/.test(text) && /B/.test(text) && /^[AB\n]+$/.test(text) ? ' (a mix of the two saves)' : ''}`;
  };

  /**
   * After a successful save: exactly these files, with these contents. With `atReportToo`, also
   * at the moment the save reported success (recorded by `save`): that is what its success claims.
   */
  async function expectFolder(expected: Record<string, string | Buffer>, atReportToo = false): Promise<void> {
    if (atReportToo) {
      const unfinished = unfinishedAtReport('success');
      if (unfinished) throw new KataAssertionError(unfinished);
    }
    expectFiles(expected, await listing(), 'after the save');
    if (atReportToo && atReport) expectFiles(expected, atReport.files, 'at the moment the save reported success');
  }

  function expectFiles(expected: Record<string, string | Buffer>, files: Map<string, Buffer>, when: string): void {
    const early = when.startsWith('at the moment') ? ' The save reported success before it had finished: await every step (or return it from the .then) before resolving or calling back.' : '';
    const extra = [...files.keys()].filter((name) => !(name in expected));
    if (extra.length > 0) {
      throw new KataAssertionError(`${when}, the folder also holds ${extra.join(', ')}: a save leaves the document and its .bak, nothing else (a temp file must be renamed onto the document or removed).${early}`);
    }
    for (const [name, content] of Object.entries(expected)) {
      const bytes = files.get(name);
      if (bytes === undefined) throw new KataAssertionError(`${when}, ${name} is missing; the folder holds ${[...files.keys()].join(', ') || 'nothing'}.${early}`);
      expect(bytes.equals(Buffer.from(content)), `${when}, ${name} should be ${show(Buffer.from(content))}, but it is ${show(bytes)}.${early}`).to.equal(true);
    }
  }

  /** The folder the moment a save reported back (callback called, promise settled), before anything else ran. */
  interface AtReport {
    files: Map<string, Buffer>;
    /** Files of the folder still open (a FileHandle or fd not closed). */
    open: string[];
    /** Renames and removals the save had started and that had not completed. */
    inFlight: readonly string[];
  }
  let atReport: AtReport | undefined;

  function snapshotNow(): AtReport {
    return fsFaults.untracked(() => {
      const files = new Map<string, Buffer>();
      for (const name of readdirSync(tmp.path).sort()) files.set(name, readFileSync(path.join(tmp.path, name)));
      const folder = path.dirname(probe.normalise(doc()));
      const open: string[] = [];
      for (const fd of readdirSync('/proc/self/fd')) {
        try {
          const target = readlinkSync(`/proc/self/fd/${fd}`);
          if (target.startsWith(folder + path.sep)) open.push(path.basename(target));
        } catch {
          // closed while we looked: not open
        }
      }
      return { files, open, inFlight: probe.inFlight() };
    });
  }

  type Api = 'callback' | 'promise';
  /**
   * One save through the chosen API, with the harness's checks for that style (called once,
   * returned a promise...). The folder is recorded in `atReport` the moment the save reports.
   */
  function save(api: Api, file: string, content: Content): Promise<void> {
    const label = `${api === 'callback' ? 'saveDocument' : 'promises.saveDocument'}(${path.basename(file)})`;
    atReport = undefined;
    const reported = () => {
      atReport ??= snapshotNow();
    };
    if (api === 'callback') {
      return callLegacy<void>(label, (cb) =>
        saveDocument(file, content, (err) => {
          reported();
          cb(err);
        }),
      );
    }
    return callPromise(label, () => {
      const p = promises.saveDocument(file, content);
      if (p && typeof (p as Promise<void>).then === 'function') p.then(reported, reported);
      return p;
    });
  }

  /** What the save had not finished when it reported: it must report only once it has. */
  function unfinishedAtReport(outcomeWord: 'success' | 'its error'): string | undefined {
    if (!atReport) return undefined;
    const parts: string[] = [];
    const hints: string[] = [];
    if (atReport.inFlight.length > 0) {
      parts.push(`the ${atReport.inFlight.join(' and the ')} had not completed`);
      hints.push('await each step (or return it from the .then), the rename and the removal of the temp file included');
    }
    if (atReport.open.length > 0) {
      parts.push(`${[...new Set(atReport.open.map((f) => f.replace(/ \(deleted\)$/, '')))].join(', ')} was still open`);
      hints.push('close the temp file whichever step failed (await handle.close() in a catch or finally around the write and the flush), and await the close');
    }
    if (parts.length === 0) return undefined;
    return `at the moment the save reported ${outcomeWord}, ${parts.join(', and ')}: a save reports only once every step, and its cleanup, has finished. To fix it, ${hints.join('; and ')}.`;
  }

  /** The saves every implementation, callback or promise, must get right: [title, files before, content, files after]. */
  const behaviours: Array<[string, Record<string, string>, Content, Record<string, string | Buffer>]> = [
    ['the first save of a new document creates it, and keeps no .bak', {}, NEW, { 'doc.txt': NEW }],
    ['saving over a document keeps the version it replaces as doc.txt.bak', { 'doc.txt': ORIGINAL }, NEW, { 'doc.txt': NEW, 'doc.txt.bak': ORIGINAL }],
    ['saving again replaces the .bak with the version the save replaced', { 'doc.txt': ORIGINAL, 'doc.txt.bak': OLDER }, NEW, { 'doc.txt': NEW, 'doc.txt.bak': ORIGINAL }],
    ['a Buffer is saved byte for byte', { 'doc.txt': ORIGINAL }, Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i)), { 'doc.txt': Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i)), 'doc.txt.bak': ORIGINAL }],
    ['an empty document is saved as an empty file', { 'doc.txt': ORIGINAL }, '', { 'doc.txt': '', 'doc.txt.bak': ORIGINAL }],
    [
      'an object is saved as JSON, indented by two spaces, with a final newline',
      { 'doc.txt': ORIGINAL },
      { title: 'Plan', tags: ['a', 'b'], done: false },
      { 'doc.txt': '{\n  "title": "Plan",\n  "tags": [\n    "a",\n    "b"\n  ],\n  "done": false\n}\n', 'doc.txt.bak': ORIGINAL },
    ],
    ['an array is saved as JSON the same way', { 'doc.txt': ORIGINAL }, [1, { two: 2 }], { 'doc.txt': '[\n  1,\n  {\n    "two": 2\n  }\n]\n', 'doc.txt.bak': ORIGINAL }],
  ];

  /** A save of doc.txt that nothing made fail: its error, if any, is the code's. */
  async function savedWithoutError(api: Api, content: Content, before: Record<string, string>): Promise<void> {
    try {
      return await save(api, doc(), content);
    } catch (err) {
      if (err instanceof KataAssertionError) throw err;
      const firstSave = !('doc.txt' in before) && (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new KataAssertionError(
        `the save failed with ${describeValue(err)}, though nothing made it fail.` +
          (firstSave ? ' This is the first save of doc.txt: there is no previous version to keep as .bak, and that ENOENT (from copying or linking the document) is not an error: skip the .bak.' : ''),
      );
    }
  }

  /**
   * Fails `step` of a save of doc.txt (which holds ORIGINAL, with OLDER as its .bak), and checks
   * that the caller got that step's error and that the folder is as it was: the document byte
   * for byte, no temp file.
   */
  async function failedSaveChangesNothing(api: Api, step: Step): Promise<void> {
    await tmp.write({ 'doc.txt': ORIGINAL, 'doc.txt.bak': OLDER });
    const code = CODES[step];
    probe.failAt(step, doc(), code);
    const result = await outcome(save(api, doc(), NEW));
    if (!result.ok && result.error instanceof KataAssertionError) throw result.error;
    if (!probe.stepFired()) {
      if (!result.ok) throw new KataAssertionError(`the save failed before it tried to ${STEPS[step]}: ${describeValue(result.error)}`);
      if (step === 'flush' && !probe.log().some((e) => e.op === 'flush')) {
        throw new KataAssertionError(
          'the save never flushed the temp file to disk: no fsync at all (handle.sync(), fs.fsync, or writeFile with { flush: true }). ' +
            'Without it, a power cut right after the rename can leave the document empty.',
        );
      }
      throw new KataAssertionError(unobservable(`the test armed a failure (${code}) of the call that would ${STEPS[step]}, but the save made no call it could fail, and succeeded`));
    }
    if (result.ok) {
      throw new KataAssertionError(`the save reported success, but it could not ${STEPS[step]} (the test failed that call with ${code}): the caller must learn that the new version was not saved.`);
    }
    expect(codesIn(result.error), `the caller should get the error of the step that failed (${code}); it got ${describeValue(result.error)}`).to.include(code);
    if ((result.error as { code?: unknown }).code !== code) {
      throw new KataAssertionError(
        `the caller got ${describeValue(result.error)}, with the step's ${code} only inside it: when nothing else failed, reject with the step's own error, unwrapped. ` +
          `Callers check err.code === '${code}'; wrap (in an AggregateError of both) only when the cleanup fails too.`,
      );
    }
    const unfinished = unfinishedAtReport('its error');
    if (unfinished) throw new KataAssertionError(`after a failure to ${STEPS[step]}, ${unfinished}`);
    if (atReport) expectUntouchedIn(step, atReport.files, 'at the moment the save reported its error, ');
    await expectUntouched(step);
  }

  async function expectUntouched(step: Step): Promise<void> {
    expectUntouchedIn(step, await listing(), '');
  }

  function expectUntouchedIn(step: Step, files: Map<string, Buffer>, when: string): void {
    const now = files.get('doc.txt');
    const after = `${when}after a failure to ${STEPS[step]}`;
    if (now === undefined) {
      throw new KataAssertionError(
        `${after}, doc.txt is gone (the folder holds ${[...files.keys()].join(', ') || 'nothing'}): the document was moved away before the new version was in place. ` +
          'Leave the document where it is, keep the .bak by copying (or linking) it, and let the final rename replace the document in one step.',
      );
    }
    if (!now.equals(Buffer.from(ORIGINAL))) {
      throw new KataAssertionError(`${after}, doc.txt is no longer the version it was (it is ${show(now)}): a failed save must leave the document byte for byte as it was.`);
    }
    const leftovers = [...files.keys()].filter((name) => name !== 'doc.txt' && name !== 'doc.txt.bak');
    if (leftovers.length > 0) {
      throw new KataAssertionError(
        `${after}, ${leftovers.join(', ')} ${leftovers.length === 1 ? 'is' : 'are'} left in the folder: remove the temp file when a save fails, ` +
          'whichever step failed (one try/catch or try/finally around all the steps, not an error check per callback).',
      );
    }
    const backup = files.get('doc.txt.bak');
    if (backup !== undefined && !backup.equals(Buffer.from(OLDER)) && !backup.equals(Buffer.from(ORIGINAL))) {
      throw new KataAssertionError(`${after}, doc.txt.bak is ${show(backup)}: it should still be a whole earlier version.`);
    }
  }

  /** Fails the write, and every cleanup call after it; the caller must get both errors. */
  async function cleanupFailureKeepsOriginalError(api: Api): Promise<void> {
    await tmp.write({ 'doc.txt': ORIGINAL, 'doc.txt.bak': OLDER });
    probe.failAt('write', doc(), CODES.write);
    probe.failCleanup(doc(), CLEANUP_CODE);
    const result = await outcome(save(api, doc(), NEW));
    if (!result.ok && result.error instanceof KataAssertionError) throw result.error;
    if (!probe.stepFired() && !result.ok) throw new KataAssertionError(`the save failed before it tried to ${STEPS.write}: ${describeValue(result.error)}`);
    if (!probe.stepFired()) throw new KataAssertionError(unobservable('the test armed a failure of the write, but the save made no write it could fail'));
    if (result.ok) throw new KataAssertionError(`the save reported success, but its write failed (${CODES.write}).`);
    if (!probe.cleanupFired()) {
      throw new KataAssertionError(
        `after the failed write, the save made no cleanup call the test could fail (closing the temp file, or removing it with unlink or rm), so it left its temp file behind. It failed with ${describeValue(result.error)}.`,
      );
    }
    const codes = codesIn(result.error);
    if (!codes.includes(CODES.write)) {
      throw new KataAssertionError(
        `the caller got only the cleanup's error (${describeValue(result.error)}): the error that made the save fail (${CODES.write}, from the write) was lost. ` +
          'An error thrown while cleaning up (in a catch, in a finally, or a callback that reports it first) replaces the one in flight. ' +
          'Catch the cleanup\'s error and report both: new AggregateError([original, cleanupError], ...).',
      );
    }
    if (!codes.includes(CLEANUP_CODE)) {
      throw new KataAssertionError(
        `the caller got the write's error but not the cleanup's (${CLEANUP_CODE}): the temp file could not be removed, and nobody will know it is there. ` +
          `Report both errors (an AggregateError of the two) instead of dropping the cleanup's. The caller got ${describeValue(result.error)}.`,
      );
    }
    expect((result.error as { code?: unknown }).code, 'the error the caller sees first must not be the cleanup\'s: wrap both, original first').to.not.equal(CLEANUP_CODE);
  }

  /**
   * Why the test could not fail or hold a call: a *Sync call (the code's fault), or else a setup
   * problem (an fs function captured before the probe wrapped it).
   */
  function unobservable(what: string): string {
    const sync = [...new Set(fsFaults.calls().filter((c) => c.api === 'sync' && c.path.startsWith(tmp.path)).map((c) => `fs.${c.call}Sync`))];
    if (sync.length > 0) {
      return `${what}: the save used ${sync.join(', ')}. A synchronous call blocks the whole process while the disk works, and no test can fail or hold it: use the fs/promises version and await it.`;
    }
    const inPlace = fsFaults.calls().find((c) => (c.call === 'open' || c.call === 'writeFile' || c.call === 'truncate') && c.path === doc());
    if (inPlace) {
      return (
        `${what}: the save wrote doc.txt in place (${inPlace.call}(doc.txt)) instead of writing the new version to a temp file next to it and renaming that onto the document. ` +
        'Written in place, a failure or a crash half way leaves half a document, whatever the .bak holds.'
      );
    }
    const elsewhere = elsewhereTemp();
    if (elsewhere) return `${what}: ${elsewhere}`;
    return (
      `setup problem, not your code: ${what}. The fs calls it made: ${fsCallsMade()}. The test fails and holds fs and fs/promises functions and FileHandle methods looked up when they are called; ` +
      'a function captured when the module loads (util.promisify(fs.rename) at the top of the file) escapes it: look it up when you call it.'
    );
  }

  /** A temp file created outside the document's folder, if the save made one. */
  function elsewhereTemp(): string | undefined {
    const outside = fsFaults.calls().find((c) => (c.call === 'open' || c.call === 'writeFile') && path.isAbsolute(c.path) && !c.path.startsWith(tmp.path) && !c.path.startsWith('/proc/') && !c.path.startsWith('/dev/') && !/\.(ts|js|json|map)$/.test(c.path));
    if (!outside) return undefined;
    return (
      `the save wrote its temp file outside the document's folder (${outside.path}). The temp file goes next to the document: a rename only replaces a file atomically within one file system, ` +
      'and from another (a tmpfs /tmp, another disk) it fails with EXDEV.'
    );
  }

  function neitherHeldNorSettled(label: string): string {
    return `${label} neither reached its rename onto doc.txt nor finished, and nothing was left running: it is waiting for something that will not happen (fs calls made: ${fsCallsMade()}).`;
  }

  function fsCallsMade(): string {
    const calls = fsFaults.calls().filter((c) => c.path.startsWith(tmp.path) || c.path.startsWith('fd ') || c.path === '[object Object]');
    return calls.map((c) => `${c.api === 'sync' ? `${c.call}Sync` : c.call}(${path.basename(c.path)})`).join(', ') || 'none';
  }

  /** A save started through either API, watched without a clock. */
  interface Started {
    label: string;
    settled: () => boolean;
    result: Promise<Outcome<void>>;
    /** How many times a callback save called back (1 for a promise save once settled). */
    calls: () => number;
  }

  function start(api: Api, file: string, content: Content, label: string): Started {
    let done = false;
    if (api === 'promise') {
      const result = outcome(callPromise(label, () => promises.saveDocument(file, content))).then((r) => ((done = true), r));
      return { label, settled: () => done, result, calls: () => (done ? 1 : 0) };
    }
    let calls = 0;
    let settle!: (r: Outcome<void>) => void;
    const result = new Promise<Outcome<void>>((resolve) => (settle = resolve));
    const callback = (err: Error | null) => {
      calls += 1;
      if (calls > 1) return;
      done = true;
      settle(err ? { ok: false, error: err } : { ok: true, value: undefined });
    };
    try {
      saveDocument(file, content, callback);
    } catch (err) {
      done = true;
      settle({ ok: false, error: new KataAssertionError(`${label} threw ${describeValue(err)} instead of passing the error to its callback.`) });
    }
    return { label, settled: () => done, result, calls: () => calls };
  }

  /** Waits until every save has settled; fails, naming them, if some never will (nothing is left running). */
  async function settleAll(...saves: Started[]): Promise<Array<Outcome<void>>> {
    const verdict = await untilDoneOrStalled({ done: () => saves.every((s) => s.settled()) });
    if (verdict === 'stalled') {
      const waiting = saves.filter((s) => !s.settled()).map((s) => s.label);
      throw new KataAssertionError(
        `${waiting.join(' and ')} never finished: nothing was left running, so it is waiting for something that will not happen. ` +
          'A queue whose slot is not released when a save fails (release it in a finally), or a save queued behind itself?',
      );
    }
    await whenQuiet();
    for (const s of saves) {
      if (s.calls() > 1) throw new KataAssertionError(messages.callbackCalledTwice(s.label, 'its first result', 'another'));
    }
    return Promise.all(saves.map((s) => s.result));
  }

  /**
   * Holds the first save at its rename onto doc.txt, starts the second, lets the second run as
   * far as it will, then releases the first. Saves of one file must run one after another, in
   * the order they were called: the second lands last, and its .bak is the first's version.
   */
  async function twoSavesAtOnce(firstApi: Api, secondApi: Api, secondPath: () => string = doc): Promise<void> {
    await tmp.write({ 'doc.txt': ORIGINAL });
    const held = probe.hold(doc());
    const first = start(firstApi, doc(), FIRST, `the first save (${firstApi} API)`);
    let second: Started | undefined;
    try {
      await untilDoneOrStalled({ done: () => held.reached() || first.settled() });
      if (!held.reached()) {
        if (!first.settled()) throw new KataAssertionError(neitherHeldNorSettled('the first save'));
        const r = await first.result;
        if (!r.ok) throw r.error instanceof KataAssertionError ? r.error : new KataAssertionError(`the first save failed before it reached its rename onto doc.txt: ${describeValue(r.error)}`);
        throw new KataAssertionError(unobservable('the first save finished without a rename onto doc.txt that the test could hold (write a temp file, then rename it onto the document)'));
      }
      second = start(secondApi, secondPath(), SECOND, `the second save (${secondApi} API${secondPath === doc ? '' : ', the same file by another path'})`);
      // The second save runs as far as it can while the first is held: to the end if nothing queues it.
      await whenQuiet();
    } finally {
      held.release();
    }
    const [a, b] = await settleAll(first, second!);
    for (const [r, s] of [[a, first], [b, second!]] as const) {
      if (!r!.ok) {
        if (r!.error instanceof KataAssertionError) throw r!.error;
        throw new KataAssertionError(
          `${s.label} failed (${describeValue(r!.error)}) although nothing made it fail: the two saves of doc.txt ran at the same time and trod on each other's files. ` +
            'Saves of one file must run one after another: queue each behind the one called before it (a Map from the absolute path to the last save\'s promise).',
        );
      }
    }
    const files = await listing();
    const now = files.get('doc.txt');
    if (now === undefined) throw new KataAssertionError(`after two saves, doc.txt is gone (the folder holds ${[...files.keys()].join(', ')}): the saves ran at the same time and moved each other's files away.`);
    if (!now.equals(Buffer.from(FIRST)) && !now.equals(Buffer.from(SECOND))) {
      throw new KataAssertionError(`after two saves, doc.txt is ${show(now)}, neither save's version whole: the saves ran at the same time and wrote into the same file. Queue saves of one file, one after another.`);
    }
    if (now.equals(Buffer.from(FIRST))) {
      throw new KataAssertionError(
        'after two saves, doc.txt holds the first save\'s version, though the second was called after it: the second ran while the first was still in progress, the first landed last, and the newer version is lost. ' +
          'Queue saves of one file so they land in the order they were called' +
          (secondPath === doc ? '.' : ': here the two saves named the same file by different paths (relative and absolute), so key the queue by path.resolve(file).'),
      );
    }
    expect(show(files.get('doc.txt.bak')), 'doc.txt.bak should hold the version the second save replaced: the first save\'s').to.equal('the first save\'s version');
    expect([...files.keys()], 'the folder should hold only doc.txt and doc.txt.bak').to.deep.equal(['doc.txt', 'doc.txt.bak']);
  }

  describe('safety net: the callback API old callers use', () => {
    for (const [title, before, content, after] of behaviours) {
      it(title, async () => {
        await tmp.write(before);
        await savedWithoutError('callback', content, before);
        await expectFolder(after, true);
      });
    }

    it('a relative path is taken from the current directory', async () => {
      await tmp.write({ 'doc.txt': ORIGINAL });
      await save('callback', path.relative(process.cwd(), doc()), NEW);
      await expectFolder({ 'doc.txt': NEW, 'doc.txt.bak': ORIGINAL }, true);
    });

    it('a save that cannot create its temp file fails with that error, and changes nothing', async () => {
      await failedSaveChangesNothing('callback', 'create');
    });

    it('the new version is flushed to disk (fsync) before it is renamed onto the document', async () => {
      await tmp.write({ 'doc.txt': ORIGINAL });
      await save('callback', doc(), NEW);
      expectFlushedBeforeRename();
    });

    it('an exception thrown by the caller\'s callback is not fed back into that callback', async () => {
      await tmp.write({ 'doc.txt': ORIGINAL });
      const calls: unknown[][] = [];
      const escaped: unknown[] = [];
      const restore = captureUncaught((err) => escaped.push(err));
      try {
        saveDocument(doc(), NEW, (...args) => {
          calls.push(args);
          throw new Error('thrown by the caller');
        });
        await whenQuiet();
      } finally {
        restore();
      }
      if (calls.length > 1) {
        throw new KataAssertionError(messages.callbackCalledTwice('saveDocument', calls[0]![0], calls[1]![0]) + ' The second call passed back the error the callback itself threw: `.then(cb).catch(cb)` does that; util.callbackify does not.');
      }
      expect(calls, 'the callback should have been called once').to.have.length(1);
      expect(escaped.map(String), 'the caller\'s own error belongs to the caller: it should escape as it does from any callback').to.deep.equal(['Error: thrown by the caller']);
    });
  });

  describe('defects: what the legacy version gets wrong', () => {
    for (const step of ['write', 'flush', 'backup', 'rename'] as const) {
      it(`a failure to ${STEPS[step]} leaves the document as it was, and no temp file`, async () => {
        await failedSaveChangesNothing('callback', step);
      });
    }

    it('when cleaning up after a failure fails too, the caller gets both errors: the cleanup\'s never hides the original', async () => {
      await cleanupFailureKeepsOriginalError('callback');
    });
  });

  describe('promise API: promises.saveDocument', () => {
    for (const [title, before, content, after] of behaviours) {
      it(title, async () => {
        await tmp.write(before);
        const result = await savedWithoutError('promise', content, before);
        expect(result, 'promises.saveDocument should resolve with nothing (undefined)').to.equal(undefined);
        await expectFolder(after, true);
      });
    }

    for (const step of Object.keys(STEPS) as Step[]) {
      it(`rejects with the error when it cannot ${STEPS[step]}, leaving the document as it was and no temp file`, async () => {
        await failedSaveChangesNothing('promise', step);
      });
    }

    it('the new version is flushed to disk (fsync) before it is renamed onto the document', async () => {
      await tmp.write({ 'doc.txt': ORIGINAL });
      await save('promise', doc(), NEW);
      expectFlushedBeforeRename();
    });

    it('saves without blocking the process: no synchronous fs calls', async () => {
      await tmp.write({ 'doc.txt': ORIGINAL });
      await save('promise', doc(), NEW);
      const sync = fsFaults.calls().filter((c) => c.api === 'sync' && (c.path.startsWith(tmp.path) || c.path.startsWith('fd ')));
      if (sync.length > 0) {
        throw new KataAssertionError(messages.usedSyncCall('promises.saveDocument', [...new Set(sync.map((c) => `fs.${c.call}Sync`))]));
      }
    });
  });

  describe('cleanup that fails too: the caller gets both errors', () => {
    it('promises.saveDocument rejects with both errors when removing the temp file fails after a failed write: the cleanup\'s never hides the original', async () => {
      await cleanupFailureKeepsOriginalError('promise');
    });
  });

  describe('concurrency: saves of one file run one at a time', () => {
    it('two saves of one file at once through the callback API: the one called last lands last, whole, and .bak holds the other', async () => {
      await twoSavesAtOnce('callback', 'callback');
    });

    it('two saves of one file at once through the promise API: the one called last lands last, whole, and .bak holds the other', async () => {
      await twoSavesAtOnce('promise', 'promise');
    });

    it('a callback save waits for a promise save of the same file: both APIs share one queue', async () => {
      await twoSavesAtOnce('promise', 'callback');
    });

    it('the same file named by a relative and an absolute path is still one file: its saves queue', async () => {
      await twoSavesAtOnce('promise', 'promise', () => path.relative(process.cwd(), doc()));
    });

    it('two saves of one file called in the same tick queue in the order they were called, whichever step of either finishes first', async () => {
      await tmp.write({ 'doc.txt': ORIGINAL });
      // Steps a save might take before it joins the queue (finding the file's real path, say):
      // their completions are delivered newest first, and every rename onto doc.txt waits until
      // the test lets it run, newest first. A save that joins the queue only after an await then
      // gets ahead of the one called before it, on every run.
      const before = (['realpath', 'stat', 'lstat', 'access', 'readFile', 'mkdir'] as const).map((call) => fsFaults.hold({ call, path: tmp.path }));
      const renames = probe.holdRenames(doc());
      const first = start('promise', doc(), FIRST, 'the first save');
      const second = start('promise', doc(), SECOND, 'the second save');
      let overlapped = false;
      try {
        while (!(first.settled() && second.settled())) {
          const heldBefore = () => before.reduce((n, g) => n + g.held.length, 0);
          const verdict = await watch({ done: () => first.settled() && second.settled(), heldRequests: heldBefore });
          if (verdict === 'done') break;
          if (heldBefore() > 0) {
            for (const gate of before) gate.releaseAll('reverse');
          } else if (renames.waiting().length > 0) {
            if (renames.waiting().length > 1) overlapped = true;
            renames.release('newest');
          } else {
            break; // nothing held and nothing running: settleAll names the save that never finished
          }
        }
      } finally {
        renames.open();
        for (const gate of before) gate.releaseAll();
      }
      const [a, b] = await settleAll(first, second);
      for (const [r, s2] of [[a, first], [b, second]] as const) {
        if (!r!.ok) {
          if (r!.error instanceof KataAssertionError) throw r!.error;
          throw new KataAssertionError(`${s2.label} failed (${describeValue(r!.error)}) although nothing made it fail: the two saves of doc.txt ran at the same time and trod on each other's files.`);
        }
      }
      const files = await listing();
      const now = show(files.get('doc.txt'));
      if (now !== 'the second save\'s version' || overlapped) {
        throw new KataAssertionError(
          (overlapped
            ? 'two saves of doc.txt called one right after the other ran at the same time: both were about to rename onto doc.txt at once, so which version lands last, and which one .bak keeps, is left to chance. '
            : `two saves of doc.txt called one right after the other ran in the wrong order (the second joined the queue before the first), and doc.txt ended as ${now}. `) +
            (now === 'the first save\'s version' ? 'Here the first save landed last, so the newer version is lost. ' : '') +
            'A save must join the queue before its first await: take the previous save from the map and put its own promise in, in the same synchronous step. ' +
            'Joining after an await (of a realpath, a stat, or of the previous save) lets a save called later get in first.',
        );
      }
      expect(show(files.get('doc.txt.bak')), 'doc.txt.bak should hold the version the second save replaced: the first save\'s').to.equal('the first save\'s version');
      expect([...files.keys()], 'the folder should hold only doc.txt and doc.txt.bak').to.deep.equal(['doc.txt', 'doc.txt.bak']);
    });

    it('a save called while the second is still running waits for it, though the first has finished: the queue entry belongs to the last save queued', async () => {
      await tmp.write({ 'doc.txt': ORIGINAL });
      const renames = probe.holdRenames(doc());
      const saves: Started[] = [];
      let overlapped = false;
      const waitingRenames = async (n: number, label: string) => {
        const verdict = await untilDoneOrStalled({ done: () => renames.waiting().length >= n || saves.some((s) => s.settled()) });
        if (verdict === 'stalled' || renames.waiting().length < n) {
          throw new KataAssertionError(`${label} neither reached its rename onto doc.txt nor finished (fs calls made: ${fsCallsMade()}).`);
        }
      };
      try {
        saves.push(start('promise', doc(), NEW, 'the first save'));
        await waitingRenames(1, 'the first save');
        saves.push(start('promise', doc(), FIRST, 'the second save'));
        await whenQuiet();
        renames.release('oldest'); // the first save's rename
        await untilDoneOrStalled({ done: () => saves[0]!.settled() });
        // The second save is running now (or done, if nothing held it); a third one comes in.
        saves.push(start('promise', doc(), SECOND, 'the third save'));
        await whenQuiet();
        while (!saves.every((s) => s.settled())) {
          const verdict = await watch({ done: () => saves.every((s) => s.settled()) });
          if (verdict === 'done' || renames.waiting().length === 0) break;
          if (renames.waiting().length > 1) overlapped = true;
          renames.release('newest');
        }
      } finally {
        renames.open();
      }
      const results = await settleAll(...saves);
      results.forEach((r, i) => {
        if (!r!.ok) throw r!.error instanceof KataAssertionError ? r!.error : new KataAssertionError(`${saves[i]!.label} failed (${describeValue(r!.error)}) although nothing made it fail: saves of doc.txt ran at the same time.`);
      });
      const files = await listing();
      // Here the saves are the first (NEW), the second (FIRST) and the third (SECOND).
      const which = (bytes: Buffer | undefined) =>
        ({ 'the new version': 'the first save\'s version', 'the first save\'s version': 'the second save\'s version', 'the second save\'s version': 'the third save\'s version' } as Record<string, string>)[show(bytes)] ?? show(bytes);
      if (overlapped || which(files.get('doc.txt')) !== 'the third save\'s version') {
        throw new KataAssertionError(
          (overlapped
            ? 'the third save ran while the second was still running (both were about to rename onto doc.txt at once): it found no save of doc.txt in the queue. '
            : `doc.txt ended as ${which(files.get('doc.txt'))}, not the third save's version: the third save did not wait for the second. `) +
            'When a save finishes, delete the map entry only if it is still its own: by then a later save may have put its promise there, and deleting that lets the next save skip the queue.',
        );
      }
      expect(which(files.get('doc.txt.bak')), 'doc.txt.bak should hold the version the third save replaced').to.equal('the second save\'s version');
    });

    it('a save that fails does not block the saves queued behind it', async () => {
      await tmp.write({ 'doc.txt': ORIGINAL });
      probe.failAt('rename', doc(), CODES.rename);
      const first = start('promise', doc(), FIRST, 'the first save (made to fail)');
      const second = start('promise', doc(), SECOND, 'the second save');
      const [a, b] = await settleAll(first, second);
      if (!a!.ok && a!.error instanceof KataAssertionError) throw a!.error;
      if (!probe.stepFired()) {
        throw new KataAssertionError(
          a!.ok
            ? unobservable('the test armed a failure of the first save\'s rename onto doc.txt, but the save made no rename it could fail')
            : `the first save failed before it tried to ${STEPS.rename}: ${describeValue(a!.error)}`,
        );
      }
      if (a!.ok) throw new KataAssertionError(`the first save reported success, but its rename failed (${CODES.rename}).`);
      if (!b!.ok) {
        if (b!.error instanceof KataAssertionError) throw b!.error;
        throw new KataAssertionError(
          `the second save failed too (${describeValue(b!.error)}), though only the first one's rename was made to fail: the queue passed the first save's failure on to the save behind it. ` +
            'Wait for the previous save to settle, however it settled (catch its error: it belongs to its own caller), before starting the next.',
        );
      }
      await expectFolder({ 'doc.txt': SECOND, 'doc.txt.bak': ORIGINAL });
    });

    it('saves of different files do not wait for each other', async () => {
      await tmp.write({ 'doc.txt': ORIGINAL, 'other.txt': ORIGINAL });
      const held = probe.hold(doc());
      const first = start('promise', doc(), FIRST, 'the save of doc.txt');
      let other: Started | undefined;
      let verdict: 'done' | 'stalled' = 'done';
      try {
        await untilDoneOrStalled({ done: () => held.reached() || first.settled() });
        if (!held.reached()) {
          if (!first.settled()) throw new KataAssertionError(neitherHeldNorSettled('the save of doc.txt'));
          const r = await first.result;
          if (!r.ok) throw r.error instanceof KataAssertionError ? r.error : new KataAssertionError(`the save of doc.txt failed before it reached its rename onto doc.txt: ${describeValue(r.error)}`);
          throw new KataAssertionError(unobservable('the save of doc.txt finished without a rename onto doc.txt that the test could hold (write a temp file, then rename it onto the document)'));
        }
        other = start('promise', tmp.file('other.txt'), SECOND, 'the save of other.txt');
        verdict = await untilDoneOrStalled({ done: () => other!.settled() });
      } finally {
        held.release();
      }
      const [a, b] = await settleAll(first, other!);
      if (verdict === 'stalled') {
        throw new KataAssertionError(
          'the save of other.txt waited for the save of doc.txt, which the test held at its rename: saves of different files must not wait for each other. Queue per file (a Map keyed by path), not one queue for every file.',
        );
      }
      for (const r of [a, b]) if (!r!.ok) throw r!.error;
      const files = await listing();
      expect(show(files.get('other.txt')), 'other.txt').to.equal('the second save\'s version');
      expect(show(files.get('doc.txt')), 'doc.txt').to.equal('the first save\'s version');
    });
  });

  /** The rename onto doc.txt came after a flush of the file it renamed. */
  function expectFlushedBeforeRename(): void {
    const log = probe.log();
    const target = probe.normalise(doc());
    const at = log.findIndex((e) => e.op === 'rename' && e.to === target);
    if (at < 0) {
      throw new KataAssertionError(
        unobservable('no rename onto doc.txt was seen (write the new version to a temp file next to the document, flush it, and rename it onto the document, so a reader sees the old version or the new one, never half of one)'),
      );
    }
    const from = log[at]!.file;
    if (path.dirname(from) !== path.dirname(target)) {
      throw new KataAssertionError(elsewhereTemp() ?? `${from} was renamed onto doc.txt: the temp file goes next to the document, in its folder, so that the rename stays within one file system.`);
    }
    if (!log.slice(0, at).some((e) => e.op === 'flush' && e.file === from)) {
      throw new KataAssertionError(
        `${path.basename(from)} was renamed onto doc.txt without being flushed to disk first: after a power cut the rename can be on disk while the data is not, and doc.txt is empty. ` +
          'Flush the temp file (handle.sync(), fsync) before the rename.',
      );
    }
  }
});
