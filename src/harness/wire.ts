/**
 * "Nothing is on the wire": whether a connection to or from a port of this machine is still
 * open, or the kernel still holds bytes for it, which no count of Node's own resources shows.
 *
 * Quiet detection (quiet.ts) sees what Node has pending. Between a `socket.write()` or a
 * `socket.resetAndDestroy()` that has returned and the peer's 'data' or 'error' event, the bytes
 * (or the reset) belong to the kernel: on a loaded machine, loopback delivery can wait for the
 * kernel's softirq thread to be scheduled, and for that moment nothing in the process says that
 * work is still to come. That is why a stall verdict also waits out a time floor. Where the
 * kernel can be asked, this module asks it, so that a test that steps on quiet (move the fake
 * clock to the client's next timer) can go on as soon as the loop is quiet and the wire is
 * empty, instead of waiting for the floor.
 *
 * It reads Linux's socket tables (/proc/net/tcp and tcp6), the same the `ss` and `netstat`
 * commands read. Each socket whose local or remote port is one of `ports` counts 1 while its
 * connection is not finished (any state but LISTEN, TIME_WAIT and CLOSE: a reset not yet
 * delivered leaves the peer ESTABLISHED), plus the bytes sent and not yet acknowledged
 * (tx_queue) and received and not yet read (rx_queue; for a listening socket, the connections
 * not yet accepted). So 0 means: every connection has closed on both sides and nothing is
 * queued. It is meant for servers that close each connection after answering; a keep-alive
 * connection counts as long as it is open. Where the tables cannot be read (macOS, Windows), or
 * do not list the server's own listening socket (a system that leaves them empty), it answers
 * `undefined`, and callers keep the floor.
 *
 * A read of the tables costs milliseconds (the kernel walks its whole socket hash): call it once
 * the loop is already idle, not on every turn.
 *
 * @example
 * onTheWire([server.port]); // 0 once every connection to the server is closed and read to its end
 */
import { readFileSync } from 'node:fs';

const TABLES = ['/proc/net/tcp', '/proc/net/tcp6'];
/** TCP states in the tables (hex) in which a socket has nothing more to deliver. */
const LISTEN = '0A';
const FINISHED: ReadonlySet<string> = new Set(['06' /* TIME_WAIT */, '07' /* CLOSE */, LISTEN]);

let unavailable = false;

/**
 * Connections to or from the listening `ports` of this machine that are not finished, plus the
 * bytes queued on them; `undefined` where the kernel's tables cannot be read or do not list a
 * listener on every one of `ports`.
 */
export function onTheWire(ports: readonly number[]): number | undefined {
  if (unavailable || ports.length === 0) return undefined;
  let total = 0;
  let read = 0;
  const listening = new Set<number>();
  for (const table of TABLES) {
    let text: string;
    try {
      text = readFileSync(table, 'latin1');
    } catch {
      continue;
    }
    read += 1;
    total += countIn(text, ports, listening);
  }
  if (read === 0) unavailable = true;
  return read > 0 && ports.every((p) => listening.has(p)) ? total : undefined;
}

/**
 * @internal The count for one table's text (exported for its tests); adds to `listening` each
 * of `ports` that a listening socket of the table holds.
 */
export function countIn(table: string, ports: readonly number[], listening = new Set<number>()): number {
  let total = 0;
  const lines = table.split('\n');
  for (let i = 1; i < lines.length; i += 1) {
    const fields = lines[i]!.trim().split(/\s+/);
    if (fields.length < 5) continue;
    const [, local, remote, state, queues] = fields as [string, string, string, string, string];
    if (!ports.includes(portOf(local)) && !ports.includes(portOf(remote))) continue;
    if (state.toUpperCase() === LISTEN) listening.add(portOf(local));
    if (!FINISHED.has(state.toUpperCase())) total += 1;
    const [tx, rx] = queues.split(':');
    total += Number.parseInt(tx ?? '0', 16) + Number.parseInt(rx ?? '0', 16);
  }
  return total;
}

function portOf(address: string): number {
  return Number.parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
}
