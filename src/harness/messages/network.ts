/**
 * Every message the network fixtures (loopback HTTP server, line server) show a learner. Each
 * says what happened, the usual cause, and what to do next.
 *
 * @example
 * throw new KataAssertionError(networkMessages.notAllAtOnce('fetchAll(3 urls)', 3, 1));
 */

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export const networkMessages = {
  // Concurrency, as the loopback server's gate sees it
  notAllAtOnce: (label: string, expected: number, inFlight: number) =>
    inFlight <= 1
      ? `${label} ran the ${expected} requests one after another: only ${inFlight} was in flight when the loop went quiet. ` +
        'An `await` inside a loop waits for each request before starting the next. Start them all first ' +
        '(build an array of promises with map), then await them together with Promise.all.'
      : `${label} had only ${inFlight} of its ${expected} requests in flight at once when the loop went quiet: ` +
        'some requests start only after others finish. Start every request before awaiting any of them (Promise.all over a map).',
  overLimit: (label: string, limit: number, inFlight: number) =>
    `${label} had ${inFlight} requests in flight at once, but at most ${limit} are allowed. ` +
    'Usually every request is started up front (a plain Promise.all), or the pool checks its count after starting ' +
    `one instead of before. Start a new request only while fewer than ${limit} are running.`,
  poolNotFilled: (label: string, limit: number, total: number, inFlight: number) =>
    `${label} had only ${inFlight} request${inFlight === 1 ? '' : 's'} in flight when the loop went quiet, but up to ${Math.min(limit, total)} ` +
    `of its ${total} may run at once (limit ${limit}): the items are processed ${inFlight <= 1 ? 'one after another' : 'below the limit'}. ` +
    `Start ${Math.min(limit, total)} right away, then a new one each time one finishes.`,
  notRefilled: (label: string, limit: number, inFlight: number, expected: number, finished: number, total: number) =>
    `${label} did not start another request when one finished: after ${finished} of ${total} had finished, ` +
    `only ${inFlight} ${inFlight === 1 ? 'was' : 'were'} in flight although ${expected} could have been (limit ${limit}). ` +
    `This is batching (Promise.all over slices of ${limit}): the slowest request of each batch holds up the next. ` +
    'Start the next item as soon as any request finishes (for example, each of the workers loops: take the next item, await it, repeat).',
  fewerRequests: (label: string, expected: number, arrived: number) =>
    `${label} made ${plural(arrived, 'request')} in total, but ${expected} were expected: ` +
    'some items were skipped, or the code stopped early (a loop bound, an error swallowed?).',

  // Server-side notes, seen in a 404 body or by a kata author using the fixture
  noRoute: (method: string, path: string, known: string[]) =>
    `the test server has no route for ${method} ${path}` +
    (known.length > 0 ? ` (it knows: ${known.join(', ')})` : '') +
    '. Check the URL the code builds: the method, the path and its leading slash.',
  nothingToRelease: (held: number) =>
    `gate.releaseOne() found no request waiting at the gate (${held} held). ` +
    'Wait for the request first (await gate.waitForInFlight(n)), or the code under test never sent it.',
  nothingMatchesRelease: (match: string, held: string[]) =>
    `gate.release(${match}) found no held request whose path matches (held: ${held.length === 0 ? 'none' : held.join(', ')}). ` +
    'Wait for the request first (await gate.waitForInFlight(n)), or check the path pattern.',
  handlerFailed: (method: string, path: string, err: unknown) =>
    `the test server's handler for ${method} ${path} threw (${err instanceof Error ? err.message : String(err)}); it answered 500.`,
  outsideTest: (fixture: string, hook: string) =>
    `${fixture} is only available inside a test or hook of the describe that called ${hook}().`,

  // Line server
  neverConnected: (label: string) =>
    `${label} never connected to the line server: nothing was left to wait for and no connection had arrived. ` +
    'Check the host and port the client uses, and that connecting is not behind an await that never settles.',
  neverSent: (label: string, expected: number, received: number) =>
    `${label} sent ${plural(received, 'line')} to the server, but ${expected} were expected, and nothing was left to wait for. ` +
    'Each message must be one JSON value followed by "\\n", written on the socket (and not held back by a missing await).',
  noBackpressure: (label: string, lines: number) =>
    `${label} read all ${lines} lines as fast as the server sent them and never paused the socket: ` +
    'the server was never held back, so a slow consumer would let memory grow without bound. ' +
    'Pause the socket while the consumer is behind (socket.pause(), then resume() once it caught up), ' +
    'or consume with for await, which does that for you.',
} as const;
