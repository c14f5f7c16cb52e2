import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { listKatas, REPO_ROOT } from '../../kata/catalog';
import { runKata } from '../../runner/run-kata';
import type { Command } from '../command';
import { fail, note, ok, say } from '../output';

interface Finding {
  ok: boolean;
  what: string;
  fix?: string;
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'Check this laptop is ready for a dojo: a supported Node line, npm ci done, a kata runs, files can be watched, a terminal for watch mode.',
  usage: ['Usage: npx kata doctor [--json]', '', 'Exits 0 when the laptop is ready; each problem comes with what to do.'].join('\n'),
  async run(args) {
    const { values } = parseArgs({ args, strict: true, options: { json: { type: 'boolean' } } });
    const findings: Finding[] = [nodeLine(), installed(), await kataRuns(), await watchWorks(), terminal()];
    if (values.json) say(JSON.stringify({ ready: findings.every((f) => f.ok), findings }, null, 2));
    else {
      for (const f of findings) say(f.ok ? ok(f.what) : fail(f.what), ...(f.fix ? [`    ${f.fix}`] : []));
      say('', findings.every((f) => f.ok) ? ok('Ready for the dojo.') : fail('Not ready yet: fix the lines marked ✘, then run npx kata doctor again.'));
    }
    return findings.every((f) => f.ok) ? 0 : 1;
  },
};

/** The running Node against package.json's engines ranges (one `^x.y.z` per line). */
function nodeLine(): Finding {
  const engines = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
  const [major, minor, patch] = process.versions.node.split('.').map(Number) as [number, number, number];
  const supported = engines.split('||').map((r) => r.trim().replace(/^\^/, '').split('.').map(Number) as [number, number, number]);
  const fits = supported.some(([M, m, p]) => major === M && (minor > m || (minor === m && patch >= p)));
  return fits
    ? { ok: true, what: `Node ${process.versions.node} is a supported line (${engines}).` }
    : { ok: false, what: `Node ${process.versions.node} is not a supported line (${engines}).`, fix: `Install the newest release of one of those lines (24 or 26 for a new laptop), then run npm ci again.` };
}

function installed(): Finding {
  const missing = ['mocha', 'c8', 'chai', 'sinon', 'ts-node', 'typescript', 'eslint'].filter((pkg) => {
    try {
      require.resolve(`${pkg}/package.json`, { paths: [REPO_ROOT] });
      return false;
    } catch {
      return true;
    }
  });
  return missing.length === 0
    ? { ok: true, what: 'The dependencies are installed (npm ci was run).' }
    : { ok: false, what: `Missing: ${missing.join(', ')}.`, fix: 'Run npm ci in the repository folder while the room still has network (after that the katas work offline).' };
}

async function kataRuns(): Promise<Finding> {
  const kata = listKatas()[0];
  if (!kata) return { ok: false, what: 'No kata was found under katas/.', fix: 'Run this from a clone of the repository.' };
  try {
    const result = await runKata(kata, { implDirs: [path.join(kata.dir, kata.meta.solution)], coverage: false });
    try {
      const failed = result.tests.filter((t) => t.state === 'failed').length;
      if (result.crash || result.timedOut || result.tests.length === 0 || failed > 0) {
        return { ok: false, what: `The tests of ${kata.name} do not run here (${result.crash?.split('\n')[0] ?? (result.timedOut ? 'timed out' : `${failed} failed against the reference`)}).`, fix: 'Run npm ci again; if that does not help, npx kata test ' + kata.name + ' --verbose shows the error.' };
      }
      return { ok: true, what: `A kata runs: ${kata.name}'s ${result.tests.length} tests pass against its reference.` };
    } finally {
      result.dispose();
    }
  } catch (err) {
    return { ok: false, what: `The tests of ${kata.name} could not start: ${(err as Error).message}`, fix: 'Run npm ci again.' };
  }
}

/** Watch mode needs file events: some network and virtual file systems give none. */
async function watchWorks(): Promise<Finding> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kata-doctor-'));
  try {
    const seen = await new Promise<boolean>((resolve) => {
      const watcher = fs.watch(dir, () => {
        watcher.close();
        clearTimeout(timer);
        resolve(true);
      });
      // A real limit, not a test of speed: an event normally arrives in milliseconds.
      const timer = setTimeout(() => {
        watcher.close();
        resolve(false);
      }, 3000);
      fs.writeFileSync(path.join(dir, 'probe.ts'), 'export {};\n');
    });
    return seen
      ? { ok: true, what: 'Saved files are seen (watch mode reruns on save).' }
      : { ok: false, what: 'No file event arrived for a saved file: watch mode will not rerun on save here.', fix: 'Clone the repository onto a local disk (not a network or synced folder), or use npx kata test after each save.' };
  } catch (err) {
    return { ok: false, what: `Files cannot be watched: ${(err as Error).message}`, fix: 'On Linux, raise fs.inotify.max_user_watches; or use npx kata test after each save.' };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function terminal(): Finding {
  return process.stdin.isTTY && process.stdout.isTTY
    ? { ok: true, what: 'This is a terminal: watch mode takes keys (h hint, c check, q quit).' }
    : { ok: true, what: 'Not run in a terminal: watch mode will print one block per run and take no keys.', fix: note('Fine in CI or a pipe; for the dojo itself, run npx kata dojo in a terminal window.') };
}
