/**
 * The server side of the benchmark. bench.ts compiles it to JavaScript next to a compiled copy of
 * an implementation and runs it in a child process of its own, so that the load generator never
 * shares an event loop with the server it measures. It starts the server through the callback
 * API (the one every version keeps), sends its URL to the parent, and closes it when told to.
 */
import { startHashServer } from '../src/hash-server';

startHashServer({}, (err, server) => {
  if (err || !server) throw err ?? new Error('startHashServer called back with no server');
  process.send!({ url: server.url });
  process.once('message', () => {
    server.close(() => process.disconnect());
  });
});
