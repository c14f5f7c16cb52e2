/**
 * Runs a command in a real pseudo-terminal, for the parts of the CLI that behave differently in
 * one (the menu, watch mode's keys and redraws), and lets a test type keys and wait for text.
 *
 * The terminal is util-linux `script`, not node-pty or tmux: `script` is in bsdutils, an
 * Essential package of every Debian and Ubuntu system (so on every CI image of that family)
 * and works once `npm ci` is done, with no native addon to build and nothing to apt-get. It
 * takes the keys on its stdin (a pipe) and copies the terminal's output to its stdout. macOS's
 * BSD `script` takes other flags: there, `terminalUnavailable()` says so and the tests skip.
 *
 * @example
 * const term = new Terminal(box.root, ['node', 'bin/kata.js']);
 * await term.waitFor(/Choose a kata/);
 * term.press('\r');
 * expect(await term.exitCode()).to.equal(0);
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';

import { cliEnv } from './sandbox';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r/g;

export const KEYS = { up: '\x1b[A', down: '\x1b[B', enter: '\r', ctrlC: '\x03' } as const;

/** Why a pseudo-terminal cannot be had here, or undefined when it can. */
export function terminalUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `the terminal tests drive util-linux \`script\`, which ${process.platform} does not have`;
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'util-linux `script` is not installed (Debian: bsdutils, an Essential package; install it)';
  }
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

export class Terminal {
  private readonly child: ChildProcessWithoutNullStreams;
  private rawOutput = '';
  private readonly exited: Promise<number | null>;
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(cwd: string, command: string[], env: NodeJS.ProcessEnv = {}) {
    // A fixed size: a pseudo-terminal made from a pipe starts at 0 columns.
    const line = `stty cols 120 rows 50; exec ${command.map(quote).join(' ')}`;
    this.child = spawn('script', ['-qfec', line, '/dev/null'], { cwd, env: cliEnv(env) });
    const onData = (chunk: Buffer) => {
      this.rawOutput += chunk.toString();
      for (const wake of this.waiters) wake();
    };
    this.child.stdout.on('data', onData);
    this.child.stderr.on('data', onData);
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code) => {
        this.closed = true;
        resolve(code);
      }),
    );
  }

  /** Everything shown so far, without colours and cursor moves. */
  get text(): string {
    return this.rawOutput.replace(ANSI, '');
  }

  /** Everything shown so far as the program wrote it, colour codes and all. */
  get raw(): string {
    return this.rawOutput;
  }

  /** A position in the output, to wait for text that appears after it. */
  mark(): number {
    return this.text.length;
  }

  /** Resolves with the output from `from` on, once it matches; rejects after `timeoutMs`, showing what was there. */
  waitFor(pattern: RegExp, options: { from?: number; timeoutMs?: number } = {}): Promise<string> {
    const { from = 0, timeoutMs = 60_000 } = options;
    return new Promise<string>((resolve, reject) => {
      const check = () => {
        const seen = this.text.slice(from);
        if (!pattern.test(seen)) return false;
        done();
        resolve(seen);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`Waited ${timeoutMs} ms for ${pattern} in the terminal; it shows:\n${this.text.slice(from).slice(-3000)}`));
      }, timeoutMs);
      const wake = () => void check();
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        this.child.removeListener('close', onClose);
      };
      this.waiters.add(wake);
      const onClose = () => {
        if (!this.waiters.has(wake) || check()) return;
        done();
        reject(new Error(`The program ended before ${pattern} appeared; the terminal shows:\n${this.text.slice(from).slice(-3000)}`));
      };
      if (this.closed) setImmediate(onClose);
      else this.child.once('close', onClose);
      check();
    });
  }

  /** Types keys, as a person at the keyboard would. */
  press(keys: string): void {
    this.child.stdin.write(keys);
  }

  /** Resolves with the program's exit code once it ends (within `timeoutMs`, else it is killed and this rejects). */
  async exitCode(timeoutMs = 30_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        this.kill();
        reject(new Error(`The program did not end within ${timeoutMs} ms; the terminal shows:\n${this.text.slice(-3000)}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
      this.child.stdin.end();
    }
  }

  /** Ends the session (closing the terminal hangs up the program in it) and waits for it. */
  async close(): Promise<void> {
    this.kill();
    this.child.stdin.end();
    await this.exited;
  }

  private kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
