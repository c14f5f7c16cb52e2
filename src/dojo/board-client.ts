/**
 * How a team's `kata dojo` posts its runs to the facilitator's board without ever disturbing
 * the team's loop: posts are queued and sent in the background; a board that is down is retried
 * with growing delays, then the run is dropped with one line of notice (the journal on the
 * team's laptop keeps every run anyway); when the board answers again, that is said once too.
 * The token from joining is kept in the team's journal folder, so a restarted dojo keeps its row.
 *
 * @example
 * const board = new BoardClient({ url: 'http://10.0.0.5:7777', team: 'team-ada', kata: 'config-loader', tokenFile, notice: say });
 * board.post({ ...entry, timeLeftMs: 1_500_000 });
 * await board.idle(); // only tests and the end of a session wait for it
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { RunEntry } from './journal';

export interface BoardClientOptions {
  url: string;
  team: string;
  kata: string;
  /** Where the token from joining is kept (one per team and board). */
  tokenFile: string;
  /** One line for the team's screen, when the board goes away or comes back. */
  notice: (line: string) => void;
  /** Tries per run before it is dropped. Default 4 (after 1, 2 and 4 s). */
  attempts?: number;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

type Posted = RunEntry & { timeLeftMs?: number };

class Refused extends Error {}

export class BoardClient {
  readonly #options: Required<Omit<BoardClientOptions, 'fetch'>> & { fetch: typeof fetch };
  readonly #queue: Posted[] = [];
  #token: string | undefined;
  #pumping: Promise<void> | undefined;
  #down = false;
  #disabled = false;
  /** Runs dropped since the board was last reachable. */
  dropped = 0;
  delivered = 0;

  constructor(options: BoardClientOptions) {
    this.#options = { attempts: 4, fetch: globalThis.fetch.bind(globalThis), ...options, url: options.url.replace(/\/+$/, '') };
    this.#token = this.#storedToken();
  }

  /** Queues a run; returns at once and never throws. */
  post(run: Posted): void {
    if (this.#disabled) return;
    this.#queue.push(run);
    this.#pumping ??= this.#pump().finally(() => {
      this.#pumping = undefined;
    });
  }

  /** Resolves once the queue is empty (sent or dropped). */
  async idle(): Promise<void> {
    while (this.#pumping) await this.#pumping;
  }

  async #pump(): Promise<void> {
    while (this.#queue.length > 0 && !this.#disabled) {
      const run = this.#queue[0]!;
      let sent = false;
      for (let attempt = 1; attempt <= this.#options.attempts && !sent && !this.#disabled; attempt++) {
        try {
          await this.#send(run);
          sent = true;
        } catch (err) {
          if (err instanceof Refused) {
            this.#disabled = true;
            this.#options.notice(`kata board: ${err.message} Runs are no longer posted; your journal keeps them.`);
            break;
          }
          if (attempt < this.#options.attempts) await delay(1000 * 2 ** (attempt - 1));
        }
      }
      this.#queue.shift();
      if (sent) {
        this.delivered += 1;
        if (this.#down) this.#options.notice(`kata board: ${this.#options.url} answers again (${this.dropped} run(s) were not posted; your journal has them).`);
        this.#down = false;
        this.dropped = 0;
      } else if (!this.#disabled) {
        this.dropped += 1;
        if (!this.#down) this.#options.notice(`kata board: ${this.#options.url} does not answer; this run was not posted (your journal keeps it). Carry on: the next runs will try again.`);
        this.#down = true;
      }
    }
  }

  async #send(run: Posted): Promise<void> {
    if (!this.#token) await this.#join();
    let res = await this.#request('/runs', run, this.#token);
    if (res.status === 401) {
      // The board was restarted and forgot us: join again, once.
      this.#token = undefined;
      await this.#join();
      res = await this.#request('/runs', run, this.#token);
    }
    if (res.status === 400 || res.status === 413) throw new Refused(`the board refused a run (${res.status}: ${await errorOf(res)}).`);
    if (!res.ok) throw new Error(`board answered ${res.status}`);
  }

  async #join(): Promise<void> {
    const res = await this.#request('/join', { team: this.#options.team, kata: this.#options.kata });
    if (res.status === 409) throw new Refused(`${await errorOf(res)}.`);
    if (res.status === 400) throw new Refused(`the board refused to join (${await errorOf(res)}).`);
    if (!res.ok) throw new Error(`board answered ${res.status}`);
    this.#token = ((await res.json()) as { token: string }).token;
    fs.mkdirSync(path.dirname(this.#options.tokenFile), { recursive: true });
    fs.writeFileSync(this.#options.tokenFile, JSON.stringify({ url: this.#options.url, token: this.#token }));
  }

  async #request(route: string, body: unknown, token?: string): Promise<Response> {
    // A board that accepts the connection and never answers must not hold the queue for ever.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('the board did not answer in 5 s')), 5000);
    try {
      return await this.#options.fetch(`${this.#options.url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  #storedToken(): string | undefined {
    try {
      const stored = JSON.parse(fs.readFileSync(this.#options.tokenFile, 'utf8')) as { url?: string; token?: string };
      return stored.url === this.#options.url ? stored.token : undefined;
    } catch {
      return undefined;
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function errorOf(res: Response): Promise<string> {
  try {
    return ((await res.json()) as { error?: string }).error ?? res.statusText;
  } catch {
    return res.statusText;
  }
}
