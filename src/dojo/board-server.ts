/**
 * `kata board`: a small HTTP server on the facilitator's laptop that every team's `kata dojo`
 * posts its runs to, and a page that shows them live (server-sent events). It listens on
 * 127.0.0.1 unless told otherwise, accepts only well-formed runs of bounded size, and a team can
 * post only to its own row: joining hands out a token, and each run must carry it.
 *
 * API (JSON):
 *   POST /join  {"team": "team-ada", "kata": "config-loader"}   -> 201 {"token": "..."}; 409 if the name is taken
 *   POST /runs  Authorization: Bearer <token>, a journal entry + {"timeLeftMs"?}  -> 204
 *   GET  /state -> {"teams": [row...]};  GET /events -> text/event-stream of "row" events;  GET / -> the page
 *
 * @example
 * const board = await startBoard({ port: 0 });
 * board.url; // 'http://127.0.0.1:53211'
 * await board.close();
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

import { BOARD_PAGE } from './board-page';
import { RunEntrySchema, TeamName } from './journal';

/** A posted body larger than this is refused (413): a run is a few hundred bytes. */
export const MAX_BODY_BYTES = 4096;
/** Runs kept per team: a session of 90 minutes at one run a minute fits twice. */
export const MAX_RUNS = 200;

const JoinSchema = z.strictObject({ team: TeamName, kata: z.string().regex(/^[a-z0-9-]{1,60}$/, 'a kata name, for example "config-loader"') });
const PostedRunSchema = RunEntrySchema.extend({ timeLeftMs: z.number().int().min(0).max(24 * 3_600_000).optional() });

export interface BoardRow {
  team: string;
  kata: string;
  runs: Array<z.infer<typeof RunEntrySchema>>;
  timeLeftMs?: number;
}

export interface Board {
  url: string;
  port: number;
  /** The rows as the page shows them. */
  rows(): BoardRow[];
  close(): Promise<void>;
}

export interface BoardOptions {
  port?: number;
  host?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startBoard(options: BoardOptions = {}): Promise<Board> {
  const { port = 7777, host = '127.0.0.1' } = options;
  const teams = new Map<string, { token: Buffer; row: BoardRow }>();
  const listeners = new Set<http.ServerResponse>();

  const broadcast = (row: BoardRow) => {
    const data = `event: row\ndata: ${JSON.stringify(row)}\n\n`;
    for (const res of listeners) res.write(data);
  };

  const readJson = async (req: http.IncomingMessage): Promise<unknown> => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) throw new HttpError(413, `a body of at most ${MAX_BODY_BYTES} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new HttpError(413, `a body of at most ${MAX_BODY_BYTES} bytes`);
      chunks.push(chunk);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      throw new HttpError(400, 'the body is not JSON');
    }
  };

  const parse = <T>(schema: z.ZodType<T>, value: unknown): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new HttpError(400, `${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    return parsed.data;
  };

  const teamOf = (req: http.IncomingMessage) => {
    const given = /^Bearer ([a-f0-9]{32})$/.exec(req.headers.authorization ?? '')?.[1];
    if (given) {
      const token = Buffer.from(given, 'hex');
      for (const entry of teams.values()) if (timingSafeEqual(entry.token, token)) return entry;
    }
    throw new HttpError(401, 'a run needs the token this team got when it joined (Authorization: Bearer <token>)');
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://board');
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(BOARD_PAGE);
    } else if (route === 'GET /state') {
      json(res, 200, { teams: [...teams.values()].map((t) => t.row) });
    } else if (route === 'GET /events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': connected\n\n');
      listeners.add(res);
      req.on('close', () => listeners.delete(res));
    } else if (route === 'POST /join') {
      const { team, kata } = parse(JoinSchema, await readJson(req));
      if (teams.has(team)) throw new HttpError(409, `the team name "${team}" is taken on this board: pick another with --team`);
      const token = randomBytes(16);
      const row: BoardRow = { team, kata, runs: [] };
      teams.set(team, { token, row });
      broadcast(row);
      json(res, 201, { token: token.toString('hex') });
    } else if (route === 'POST /runs') {
      const entry = teamOf(req);
      const { timeLeftMs, ...run } = parse(PostedRunSchema, await readJson(req));
      entry.row.runs.push(run);
      if (entry.row.runs.length > MAX_RUNS) entry.row.runs.splice(0, entry.row.runs.length - MAX_RUNS);
      if (timeLeftMs !== undefined) entry.row.timeLeftMs = timeLeftMs;
      else delete entry.row.timeLeftMs;
      broadcast(entry.row);
      res.writeHead(204).end();
    } else {
      throw new HttpError(404, 'the board answers GET /, GET /state, GET /events, POST /join and POST /runs');
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (!res.headersSent) json(res, status, { error: err instanceof Error ? err.message : String(err) });
      else res.destroy();
      // A refused body may still be arriving: stop reading it.
      if (status === 413) req.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    rows: () => [...teams.values()].map((t) => t.row),
    close: async () => {
      for (const res of listeners) res.end();
      listeners.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
