/**
 * safe-save: saves a document so that nothing is ever lost.
 *
 * The new version is written to a temp file next to the document and flushed to disk; the
 * version it replaces is kept as `<document>.bak`; then the temp file is renamed onto the
 * document, so a reader sees the old version or the new one, never half of one. A document
 * given as an object or an array (not a string or a Buffer) is saved as JSON, indented by two
 * spaces, with a final newline.
 *
 * Written in 2015 for the desktop editor's autosave, moved into the document service since.
 * It works on the happy path. Your job is in README.md.
 */
import fs = require('fs');
import path = require('path');

/** What can be saved: text, bytes, or a JSON value. */
export type Content = string | Buffer | { [key: string]: unknown } | unknown[];
export type SaveCallback = (err: Error | null) => void;

/**
 * The callback API. Old callers (and the safety-net tests) use it: keep its signature and
 * behaviour. Do not change this signature.
 *
 * TODO(step 4): once promises.saveDocument works, make this a thin shim over it.
 */
export function saveDocument(file: string, content: Content, callback: SaveCallback): void {
  file = path.resolve(file);
  var data = serialize(content);
  var tmp = file + '.tmp';
  var bak = file + '.bak';

  fs.open(tmp, 'w', function (err, fd) {
    if (err) return callback(err);
    fs.writeFile(fd, data, function (err) {
      if (err) return abort(fd, err, callback);
      fs.fsync(fd, function (err) {
        if (err) return abort(fd, err, callback);
        fs.close(fd, function (err) {
          if (err) return callback(err);
          // Keep the previous version, then move the new one into its place.
          fs.rename(file, bak, function (err) {
            if (err && err.code !== 'ENOENT') return callback(err);
            fs.rename(tmp, file, function (err) {
              if (err) return callback(err);
              callback(null);
            });
          });
        });
      });
    });
  });
}

// Writing the temp file went wrong: close it before reporting.
function abort(fd: number, err: Error, callback: SaveCallback): void {
  fs.close(fd, function (closeErr) {
    callback(closeErr || err);
  });
}

function serialize(content: Content): string | Buffer {
  if (typeof content === 'string' || Buffer.isBuffer(content)) {
    return content;
  }
  return JSON.stringify(content, null, 2) + '\n';
}

/** The promise API new callers want. */
export const promises = {
  /**
   * Resolves once `content` is saved in `file` and the version it replaced is `file.bak`.
   * Rejects with the error of the step that failed, leaving `file` exactly as it was and no
   * temp file behind. Saves of the same file run one after another, in the order they were
   * called.
   *
   * TODO(step 2): write it with fs/promises, first as a .then chain if you like, then (step 3)
   * with async/await and cleanup on every failure. Step 5 queues saves of the same file.
   */
  saveDocument(file: string, content: Content): Promise<void> {
    return Promise.reject(
      new Error(`promises.saveDocument is not written yet (step 2 of the README): it should save ${file} safely, keeping the previous version as ${path.basename(file)}.bak`),
    );
  },
};
