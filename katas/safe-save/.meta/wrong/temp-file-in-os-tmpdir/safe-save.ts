/**
 * safe-save: saves a document so that nothing is ever lost.
 *
 * The new version is written to a temp file next to the document and flushed to disk; the
 * version it replaces is kept as `<document>.bak`; then the temp file is renamed onto the
 * document, so a reader sees the old version or the new one, never half of one. A document
 * given as an object or an array (not a string or a Buffer) is saved as JSON, indented by two
 * spaces, with a final newline.
 *
 * WRONG (kept for the verifier): The temp file is written in os.tmpdir(), not next to the document: a rename across file systems fails with EXDEV, and is not atomic.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, open, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { callbackify } from 'node:util';

/** What can be saved: text, bytes, or a JSON value. */
export type Content = string | Buffer | { [key: string]: unknown } | unknown[];
export type SaveCallback = (err: Error | null) => void;

async function saveDocumentAsync(file: string, content: Content): Promise<void> {
  const target = path.resolve(file);
  const data = serialize(content);
  return oneAtATime(target, () => replace(target, data));
}

/**
 * Puts `data` in place of `file`. Until the final rename the document is untouched; if any
 * step fails, the temp file is removed and the step's error reaches the caller.
 */
async function replace(file: string, data: string | Buffer): Promise<void> {
  // A name of its own: two processes saving the same file never share a temp file.
  const tmp = path.join(tmpdir(), `${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeDurably(tmp, data);
    await keepBackup(file);
    await rename(tmp, file);
  } catch (err) {
    throw await afterCleanUp(err, () => rm(tmp, { force: true }));
  }
}

/** Writes a new file and flushes it to disk, so the rename never publishes a half-written one. */
async function writeDurably(tmp: string, data: string | Buffer): Promise<void> {
  const handle = await open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    throw await afterCleanUp(err, () => handle.close());
  }
  await handle.close();
}

/** Copies the current version to `file.bak`. The first save of a document has none to keep. */
async function keepBackup(file: string): Promise<void> {
  try {
    await copyFile(file, `${file}.bak`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Runs `cleanUp` after `failure`, and returns the error to throw: `failure`, or, when the cleanup
 * fails too, both of them, the original first. (A throw from the cleanup itself, in a `finally`
 * or a `catch`, would replace the error in flight.)
 */
async function afterCleanUp(failure: unknown, cleanUp: () => Promise<unknown>): Promise<unknown> {
  try {
    await cleanUp();
  } catch (cleanUpError) {
    return new AggregateError([failure, cleanUpError], 'the save failed, and cleaning up after it failed too');
  }
  return failure;
}

/** The last save queued for each file (by absolute path); it settles when that save does, and never rejects. */
const queues = new Map<string, Promise<void>>();

/** Runs `save` once every save of `file` called before it has settled, however it settled. */
async function oneAtATime(file: string, save: () => Promise<void>): Promise<void> {
  const current = after(queues.get(file), save);
  const settled = settle(current);
  queues.set(file, settled);
  try {
    await current;
  } finally {
    // Nobody queued behind this save: forget the file, or the map grows with every file ever saved.
    if (queues.get(file) === settled) queues.delete(file);
  }
}

async function after(previous: Promise<void> | undefined, save: () => Promise<void>): Promise<void> {
  await previous;
  await save();
}

/** Waits for `promise` without its error: that error belongs to the save's own caller. */
async function settle(promise: Promise<void>): Promise<void> {
  try {
    await promise;
  } catch {
    // reported to the caller of that save
  }
}

function serialize(content: Content): string | Buffer {
  if (typeof content === 'string' || Buffer.isBuffer(content)) {
    return content;
  }
  return `${JSON.stringify(content, null, 2)}\n`;
}

/** The promise API new callers use. */
export const promises = { saveDocument: saveDocumentAsync };

/** The callback API old callers use: a shim over the promise API, so both share one queue per file. */
export const saveDocument: (file: string, content: Content, callback: SaveCallback) => void = callbackify(saveDocumentAsync);
