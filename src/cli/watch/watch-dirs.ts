/**
 * Watches the folders of a kata for saves, whichever way an editor saves: in place, by writing a
 * temporary file and renaming it over the original (sed -i, vim's default), by deleting and
 * re-creating the file, or several times in a row.
 *
 * Each folder is watched on its own, never each file: on Linux, Node 20 and 22 implement
 * `fs.watch(dir, { recursive: true })` by watching every file's inode, so once a save replaces a
 * file with a new inode (a rename), no later save of that file is ever reported. A folder's own
 * watch reports every entry created, renamed, changed or deleted in it, whatever the inode.
 * Folders created later are added, folders deleted or replaced are watched again, and the kata
 * folder itself is watched too, so that replacing `src/` as a whole is seen.
 *
 * @example
 * const watcher = watchDirs(kata.dir, ['src', 'test'], (rel, isFolder) => console.log('changed', rel), onError);
 * watcher.close();
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface DirWatcher {
  close(): void;
}

interface Watched {
  watcher: fs.FSWatcher;
  /** The folder's inode when the watch began: a folder deleted and made again has another one. */
  ino: number;
}

/** Folders not worth watching: tools' output and dependencies, never the learner's sources. */
const SKIPPED = (name: string) => name.startsWith('.') || name === 'node_modules' || name === 'coverage';

/**
 * Calls `onChange` with the path (relative to `top`) of every entry that changes in `top` or in
 * any folder under `roots` (relative to `top`). When a folder appeared or went away it is called
 * with that folder and `isFolder` true: files may have come or gone with it before its watch
 * began. `onError` is called only when `top` itself can no longer be watched.
 */
export function watchDirs(top: string, roots: readonly string[], onChange: (rel: string, isFolder: boolean) => void, onError: (err: Error) => void): DirWatcher {
  const watched = new Map<string, Watched>();
  let closed = false;

  const wanted = (): Map<string, number> => {
    const found = new Map<string, number>();
    const visit = (dir: string) => {
      let stat: fs.Stats;
      let entries: fs.Dirent[];
      try {
        stat = fs.statSync(dir);
        if (!stat.isDirectory()) return;
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return; // gone while we looked: the event that says so rescans
      }
      found.set(dir, stat.ino);
      for (const e of entries) if (e.isDirectory() && !SKIPPED(e.name)) visit(path.join(dir, e.name));
    };
    const topStat = fs.statSync(top, { throwIfNoEntry: false });
    if (topStat?.isDirectory()) found.set(top, topStat.ino);
    for (const root of roots) visit(path.join(top, root));
    return found;
  };

  /** Brings the watches in line with the folders there are now; true when any was added or dropped. */
  const sync = (): boolean => {
    if (closed) return false;
    let changed = false;
    const now = wanted();
    for (const [dir, w] of watched) {
      if (now.get(dir) !== w.ino) {
        w.watcher.close();
        watched.delete(dir);
        changed = true;
      }
    }
    for (const [dir, ino] of now) {
      if (watched.has(dir)) continue;
      try {
        const watcher = fs.watch(dir, { persistent: true }, (_event, filename) => onEvent(dir, filename));
        watcher.on('error', (err) => onWatchError(dir, watcher, err));
        watched.set(dir, { watcher, ino });
        changed = true;
      } catch (err) {
        // Deleted between the scan and the watch: the parent's event rescans.
        if (dir === top) throw err;
      }
    }
    return changed;
  };

  const onEvent = (dir: string, filename: string | Buffer | null) => {
    if (closed) return;
    const rel = path.relative(top, filename === null ? dir : path.join(dir, String(filename)));
    // Any entry may be a folder made, deleted or renamed: see what is there now.
    const folders = sync();
    onChange(rel, folders);
  };

  const onWatchError = (dir: string, watcher: fs.FSWatcher, err: Error) => {
    watcher.close();
    if (watched.get(dir)?.watcher === watcher) watched.delete(dir);
    if (closed) return;
    if (dir === top) {
      close();
      onError(err);
      return;
    }
    // A watched folder was deleted (Windows and macOS report that as an error): rescan.
    sync();
    onChange(path.relative(top, dir), true);
  };

  function close(): void {
    closed = true;
    for (const w of watched.values()) w.watcher.close();
    watched.clear();
  }

  sync();
  return { close };
}
