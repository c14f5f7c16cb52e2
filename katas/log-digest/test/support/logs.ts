/**
 * The logs the tests digest, with the digest each must give, worked out here by hand or by a
 * plain oracle (never by the code under test).
 */
import type { Digest, SlowRequest } from '../../src/log-digest';

/**
 * A small log with every feature of the format: "\r\n" and "\n" endings, a truncated line, a
 * blank line, 2-, 3- and 4-byte UTF-8 characters, two requests with the same time, and a last
 * line with no newline. Cut at every byte, it puts a chunk boundary everywhere that matters.
 */
export const SAMPLE = Buffer.from(
  [
    '2016-03-14T09:00:00.120Z GET /menu/café 200 512 - 12.5 ms\r\n',
    '2016-03-14T09:00:00.480Z GET /städte/köln 404 - - 3.25 ms\r\n',
    '2016-03-14T09:00:01.002Z POST /orders 201 64 - 250 ms\n',
    '2016-03-14T09:00:01.730Z GET /sear\n',
    '\n',
    '2016-03-14T09:00:02.500Z GET /東京/メニュー 200 1024 - 99.9 ms\n',
    '2016-03-14T09:00:03.000Z GET /🍕/order 500 - - 250 ms\r\n',
    '2016-03-14T09:00:03.200Z GET /health 200 2 - 0.4 ms',
  ].join(''),
  'utf8',
);

export const SAMPLE_DIGEST: Digest = {
  requests: 6,
  malformed: 1,
  status: { '200': 3, '201': 1, '404': 1, '500': 1 },
  slowest: [
    { line: 3, method: 'POST', path: '/orders', status: 201, ms: 250 },
    { line: 7, method: 'GET', path: '/🍕/order', status: 500, ms: 250 },
    { line: 6, method: 'GET', path: '/東京/メニュー', status: 200, ms: 99.9 },
    { line: 1, method: 'GET', path: '/menu/café', status: 200, ms: 12.5 },
    { line: 2, method: 'GET', path: '/städte/köln', status: 404, ms: 3.25 },
  ],
};

export const EMPTY_DIGEST: Digest = { requests: 0, malformed: 0, status: {}, slowest: [] };

/** A log line for a request. */
export function logLine(r: Omit<SlowRequest, 'line'>, second = 0): string {
  return `2016-03-14T09:00:${String(second % 60).padStart(2, '0')}.000Z ${r.method} ${r.path} ${r.status} 100 - ${r.ms} ms`;
}

/** The digest of `lines` (null for a blank line, a string for a malformed one), worked out the simple way. */
export function oracle(lines: ReadonlyArray<Omit<SlowRequest, 'line'> | string | null>, slowest = 5): Digest {
  const requests: SlowRequest[] = [];
  let malformed = 0;
  const status: Record<string, number> = {};
  lines.forEach((l, i) => {
    if (l === null) return;
    if (typeof l === 'string') {
      malformed += 1;
      return;
    }
    requests.push({ line: i + 1, ...l });
    status[l.status] = (status[l.status] ?? 0) + 1;
  });
  const sorted = [...requests].sort((a, b) => b.ms - a.ms || a.line - b.line);
  return { requests: requests.length, malformed, status, slowest: sorted.slice(0, slowest) };
}

/** A log of about `bytes` bytes (several 64 KiB reads), and its digest. */
export function largeLog(bytes: number): { text: Buffer; digest: Digest } {
  const paths = ['/menu/café', '/orders', '/health', '/städte/köln', '/api/v1/users/42', '/東京/メニュー', '/🍕/order'];
  const statuses = [200, 200, 304, 404, 200, 500, 201, 200];
  const methods = ['GET', 'GET', 'POST', 'GET', 'PUT'];
  const lines: Array<Omit<SlowRequest, 'line'> | string | null> = [];
  const text: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    let line: string;
    if (i % 101 === 100) {
      lines.push(null);
      line = '';
    } else if (i % 53 === 52) {
      line = `2016-03-14T09:00:00.000Z GET /truncat`;
      lines.push(line);
    } else {
      // Response times repeat (the top 5 are all ties at 99.9 ms): the earlier line must win.
      const request = { method: methods[i % methods.length]!, path: paths[i % paths.length]!, status: statuses[i % statuses.length]!, ms: ((i * 7919) % 1000) / 10 };
      lines.push(request);
      line = logLine(request, i);
    }
    const ending = i % 3 === 0 ? '\r\n' : '\n';
    text.push(line + ending);
    size += Buffer.byteLength(line + ending);
  }
  return { text: Buffer.from(text.join(''), 'utf8'), digest: oracle(lines) };
}
