/**
 * The wire (wire.ts): what the kernel still holds for a server's port, and how quiet detection
 * steps on it instead of waiting out the floor. Real sockets on 127.0.0.1; the parts that read
 * the kernel's tables run where there are tables (Linux) and are skipped elsewhere, saying so.
 */
import { expect } from 'chai';
import * as net from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';

import { watch } from '../../src/harness/quiet';
import { countIn, onTheWire } from '../../src/harness/wire';

/** /proc/net/tcp as Linux prints it: a listener on :1F90 (8080), and other sockets. */
const TABLE = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 101 1 0 100 0 0 10 0',
  '   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 102 1 0 20 4 30 10 -1',
  '   2: 0100007F:C350 0100007F:1F90 01 00000005:00000000 00:00000000 00000000     0        0 103 1 0 20 4 30 10 -1',
  '   3: 0100007F:1F90 0100007F:C351 06 00000000:00000000 03:00000F9F 00000000     0        0 0 3 0',
  '   4: 0100007F:0050 0100007F:C352 01 00000000:00000200 00:00000000 00000000     0        0 104 1 0 20 4 30 10 -1',
  '',
].join('\n');

/**
 * Waits `n` short real timers: a timer is not work under the 'ignore' policy, so a watch keeps
 * counting idle turns meanwhile (polling with setImmediate would keep it busy).
 */
async function timerTurns(n: number, until: () => boolean = () => false): Promise<void> {
  for (let i = 0; i < n && !until(); i += 1) await new Promise<void>((resolve) => setTimeout(resolve, 1));
}

async function listening(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('harness: the wire (what the kernel still holds for a port)', () => {
  it('counts each open connection to or from the port, and its queued bytes; a listener, TIME_WAIT and other ports are not counted', () => {
    const listening = new Set<number>();
    // Rows 1 and 2 are both ends of an open connection (1 each), with 5 bytes unacknowledged.
    expect(countIn(TABLE, [0x1f90], listening)).to.equal(1 + 1 + 5);
    expect([...listening], 'the listener on the port is seen').to.deep.equal([0x1f90]);
    // Row 4: another port, with 512 bytes unread, and no listener of its own in the table.
    const other = new Set<number>();
    expect(countIn(TABLE, [0x50], other)).to.equal(1 + 0x200);
    expect([...other]).to.deep.equal([]);
    expect(countIn(TABLE, [1234])).to.equal(0);
  });

  it('cannot tell (undefined) for a port with no listener in the tables: empty tables are not an empty wire', () => {
    expect(onTheWire([1])).to.equal(undefined);
  });

  describe('on this machine\'s kernel', () => {
    before(async function () {
      const probe = net.createServer();
      const port = await listening(probe);
      const tables = onTheWire([port]) !== undefined;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      if (!tables) this.skip(); // no socket tables this process can read (not Linux)
    });

    it('an open connection is on the wire until both ends have closed it', async () => {
      const server = net.createServer((socket) => socket.end());
      const port = await listening(server);
      try {
        expect(onTheWire([port]), 'a listener alone').to.equal(0);
        const client = net.connect(port, '127.0.0.1');
        await new Promise<void>((resolve) => client.once('connect', resolve));
        expect(onTheWire([port]), 'connected').to.be.greaterThan(0);
        client.resume();
        await new Promise<void>((resolve) => client.once('close', resolve));
        // The server's side closes on its own: wait for it by turns, never by a clock.
        for (let turn = 0; turn < 10_000 && onTheWire([port]) !== 0; turn += 1) await nextTurn();
        expect(onTheWire([port]), 'both ends closed').to.equal(0);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    it('quiet detection steps on an empty wire without its floor, and keeps the floor while a connection is open', async () => {
      let serverSide: net.Socket | undefined;
      const server = net.createServer((socket) => (serverSide = socket));
      const port = await listening(server);
      const client = net.connect(port, '127.0.0.1');
      try {
        await new Promise<void>((resolve) => client.once('connect', resolve));
        for (let turn = 0; turn < 10_000 && !serverSide; turn += 1) await nextTurn();
        // A floor no test could wait out: only the wire can end this watch early.
        let verdict: string | undefined;
        void watch({ handles: 'ignore', floorMs: 3_600_000, wire: [port] }).then((v) => (verdict = v));
        // Far more idle turns than the watch needs (20), and several reads of the wire.
        await timerTurns(50);
        expect(verdict, 'a connection is open: the floor still applies').to.equal(undefined);
        client.destroy();
        serverSide!.destroy();
        await timerTurns(5_000, () => verdict !== undefined);
        expect(verdict, 'both ends closed: quiet without the floor').to.equal('quiet');
      } finally {
        client.destroy();
        serverSide?.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });
});
