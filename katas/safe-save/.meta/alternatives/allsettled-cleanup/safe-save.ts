/**
 * safe-save: saves a document so that nothing is ever lost.
 *
 * The new version is written to a temp file next to the document and flushed to disk; the
 * version it replaces is kept as `<document>.bak`; then the temp file is renamed onto the
 * document, so a reader sees the old version or the new one, never half of one. A document
 * given as an object or an array (not a string or a Buffer) is saved as JSON, indented by two
 * spaces, with a final newline.
 *
 * CORRECT ALTERNATIVE (kept for the verifier): the outcomes of the write and of the close collected with Promise.allSettled (one error, or an AggregateError of both), handle.datasync() for the flush, unlink that tolerates ENOENT for the cleanup, and temp names from the process id and a counter.
 */
import { copyFile, type FileHandle, open, rename, unlink } from 'node:fs/promises';
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

/** Temp files get the process id and a counter: unique within the process, and across processes. */
let sequence = 0;

/**
 * Puts `data` in place of `file`. Until the final rename the document is untouched; if any
 * step fails, the temp file is removed and the step's error reaches the caller.
 */
async function replace(file: string, data: string | Buffer): Promise<void> {
  sequence += 1;
  const tmp = `${file}.${process.pid}-${sequence}.tmp`;
  try {
    await writeDurably(tmp, data);
    await keepBackup(file);
    await rename(tmp, file);
  } catch (err) {
    const [removed] = await Promise.allSettled([removeIfThere(tmp)]);
    if (removed.status === 'rejected') throw new AggregateError([err, removed.reason], 'the save failed, and removing its temp file failed too');
    throw err;
  }
}

/** Writes a new file and flushes its data to disk; the handle is closed whatever happened. */
async function writeDurably(tmp: string, data: string | Buffer): Promise<void> {
  const handle = await open(tmp, 'wx');
  const [written] = await Promise.allSettled([writeAndFlush(handle, data)]);
  const [closed] = await Promise.allSettled([handle.close()]);
  const errors = [written, closed].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (errors.length > 1) throw new AggregateError(errors, 'the write failed, and closing the temp file failed too');
  if (errors.length === 1) throw errors[0];
}

async function writeAndFlush(handle: FileHandle, data: string | Buffer): Promise<void> {
  await handle.writeFile(data);
  await handle.datasync();
}

async function removeIfThere(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Copies the current version to `file.bak`. The first save of a document has none to keep. */
async function keepBackup(file: string): Promise<void> {
  try {
    await copyFile(file, `${file}.bak`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
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
