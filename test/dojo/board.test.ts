/**
 * The facilitator's board, over real HTTP on 127.0.0.1: joining, posting runs with the team's
 * token only, bounded and well-formed bodies, the live event stream; and the team's client,
 * which never lets a board that is down disturb the team's loop.
 */
import { expect } from 'chai';
import * as http from 'node:http';

import { BoardClient } from '../../src/dojo/board-client';
import { type Board, MAX_BODY_BYTES, startBoard } from '../../src/dojo/board-server';
import type { RunEntry } from '../../src/dojo/journal';
import { useFakeTime } from '../../src/harness/fake-time';
import { useTempDir } from '../../src/harness/temp-dir';

const entry = (light: RunEntry['light'], passed = 5): RunEntry => ({ at: new Date(Date.UTC(2026, 11, 3, 9, passed)).toISOString(), light, passed, total: 20, step: 2, stepTitle: 'Promise API', depth: 3 });

async function post(url: string, body: unknown, token?: string, raw?: string) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: raw ?? JSON.stringify(body) });
  return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as { token?: string; error?: string }) };
}

describe('kata board', () => {
  let board: Board;
  beforeEach(async () => {
    board = await startBoard({ port: 0 });
  });
  afterEach(() => board.close());

  it('listens on 127.0.0.1 by default, and serves its page', async () => {
    expect(board.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(`${board.url}/`);
    expect(page.headers.get('content-type')).to.include('text/html');
    expect(await page.text()).to.include('<title>kata board</title>');
  });

  it('a team joins, gets a token, and only that token posts to its row', async () => {
    const ada = await post(`${board.url}/join`, { team: 'team-ada', kata: 'config-loader' });
    const bob = await post(`${board.url}/join`, { team: 'team-bob', kata: 'disk-usage' });
    expect([ada.status, bob.status]).to.deep.equal([201, 201]);
    expect(ada.body!.token).to.match(/^[a-f0-9]{32}$/);
    expect((await post(`${board.url}/runs`, entry('red'), ada.body!.token)).status).to.equal(204);
    expect((await post(`${board.url}/runs`, entry('green', 20), bob.body!.token)).status).to.equal(204);
    const state = (await (await fetch(`${board.url}/state`)).json()) as { teams: Array<{ team: string; runs: RunEntry[] }> };
    expect(state.teams.map((t) => [t.team, t.runs.map((r) => r.light)])).to.deep.equal([['team-ada', ['red']], ['team-bob', ['green']]]);
    expect((await post(`${board.url}/join`, { team: 'team-ada', kata: 'config-loader' })).status).to.equal(409);
  });

  it('refuses a run without a valid token (401), a malformed body (400), an invalid run (400) and an oversized body (413)', async () => {
    const { body } = await post(`${board.url}/join`, { team: 'team-ada', kata: 'config-loader' });
    const noToken = await post(`${board.url}/runs`, entry('red'));
    expect(noToken.status).to.equal(401);
    expect(noToken.body!.error).to.include('Authorization: Bearer <token>');
    expect((await post(`${board.url}/runs`, entry('red'), 'f'.repeat(32))).status).to.equal(401);
    expect((await post(`${board.url}/runs`, undefined, body!.token, '{"light": "red",')).status).to.equal(400);
    const invalid = await post(`${board.url}/runs`, { ...entry('red'), light: 'purple' }, body!.token);
    expect(invalid.status).to.equal(400);
    expect(invalid.body!.error).to.match(/^light: /);
    const huge = await post(`${board.url}/runs`, { ...entry('red'), stepTitle: 'x'.repeat(MAX_BODY_BYTES) }, body!.token);
    expect(huge.status).to.equal(413);
    expect((await post(`${board.url}/join`, { team: '../etc', kata: 'x' })).status).to.equal(400);
    expect(board.rows()[0]!.runs).to.deep.equal([]);
  });

  it('streams each change to the page as a server-sent "row" event', async () => {
    const events: string[] = [];
    const stream = await new Promise<http.IncomingMessage>((resolve) => http.get(`${board.url}/events`, resolve));
    stream.setEncoding('utf8');
    const twoRows = new Promise<void>((resolve) => {
      stream.on('data', (chunk: string) => {
        events.push(...chunk.split('\n\n').filter((e) => e.startsWith('event: row')));
        if (events.length >= 2) resolve();
      });
    });
    const { body } = await post(`${board.url}/join`, { team: 'team-ada', kata: 'config-loader' });
    await post(`${board.url}/runs`, { ...entry('red'), timeLeftMs: 600_000 }, body!.token);
    await twoRows;
    const last = JSON.parse(events[1]!.split('data: ')[1]!) as { team: string; runs: RunEntry[]; timeLeftMs: number };
    expect(last).to.deep.include({ team: 'team-ada', timeLeftMs: 600_000 });
    expect(last.runs.map((r) => r.light)).to.deep.equal(['red']);
    stream.destroy();
  });
});

describe('kata dojo --board: the team\'s client', () => {
  const tmp = useTempDir();

  it('joins once, keeps its token, and posts every run in order', async () => {
    const board = await startBoard({ port: 0 });
    try {
      const notices: string[] = [];
      const client = new BoardClient({ url: board.url, team: 'team-ada', kata: 'config-loader', tokenFile: tmp.file('board.json'), notice: (l) => notices.push(l) });
      client.post(entry('red', 1));
      client.post(entry('red', 2));
      client.post(entry('green', 20));
      await client.idle();
      expect(board.rows()[0]!.runs.map((r) => r.passed)).to.deep.equal([1, 2, 20]);
      expect(notices).to.deep.equal([]);
      // A restarted dojo reuses the stored token: same row, no 409.
      const again = new BoardClient({ url: board.url, team: 'team-ada', kata: 'config-loader', tokenFile: tmp.file('board.json'), notice: (l) => notices.push(l) });
      again.post(entry('green', 20));
      await again.idle();
      expect(board.rows()).to.have.length(1);
      expect(board.rows()[0]!.runs).to.have.length(4);
    } finally {
      await board.close();
    }
  });

  describe('a board that is down', () => {
    const time = useFakeTime();

    it('is retried after 1, 2 and 4 s, then the run is dropped with one line of notice; when it answers again, that is said once', async () => {
      // A port with nothing listening: start a board, note its port, close it.
      const gone = await startBoard({ port: 0 });
      const { port } = gone;
      await gone.close();
      const notices: string[] = [];
      const attempts: number[] = [];
      let inFlight = 0;
      const recording: typeof fetch = (input, init) => {
        attempts.push(time.now());
        inFlight += 1;
        return fetch(input, init).finally(() => (inFlight -= 1));
      };
      const client = new BoardClient({ url: `http://127.0.0.1:${port}`, team: 'team-ada', kata: 'config-loader', tokenFile: tmp.file('board.json'), notice: (l) => notices.push(l), fetch: recording });
      client.post(entry('red', 1));
      client.post(entry('red', 2));
      // The posts never block the caller: post() has returned; the retries run on the clock.
      // Drive the fake clock until the queue is empty, but only while no request is in flight:
      // the clock stands still until each refused connection has been seen, so the retries
      // happen at the same fake times however slow the machine is.
      let idle = false;
      void client.idle().then(() => (idle = true));
      while (!idle) {
        if (inFlight === 0) await time.tickAsync(500);
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(client.dropped).to.equal(2);
      // Each run: a first try and three retries, 1, 2 and 4 s apart.
      expect(attempts.slice(0, 4).map((t) => t - attempts[0]!)).to.deep.equal([0, 1000, 3000, 7000]);
      expect(attempts).to.have.length(8);
      expect(notices).to.have.length(1);
      expect(notices[0]).to.match(/^kata board: http:\/\/127\.0\.0\.1:\d+ does not answer; this run was not posted \(your journal keeps it\)\. Carry on/);

      const back = await startBoard({ port });
      try {
        client.post(entry('green', 20));
        await client.idle();
        expect(back.rows()[0]!.runs.map((r) => r.light)).to.deep.equal(['green']);
        expect(notices[1]).to.match(/answers again \(2 run\(s\) were not posted; your journal has them\)\./);
        expect(notices).to.have.length(2);
      } finally {
        await back.close();
      }
    });
  });
});
