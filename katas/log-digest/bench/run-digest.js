// One measurement for bench.ts, in a process of its own so that nothing else shares its memory:
// loads one implementation (already transpiled to JavaScript, so no compiler is loaded here),
// digests one log file with the callback API every version has, and prints one line of JSON.
'use strict';
const [, , implementation, file] = process.argv;

const api = require(implementation);
const baselineRss = process.memoryUsage().rss;
let peakHeap = process.memoryUsage().heapUsed;
// Sampled: a sample can miss a short peak, never invent one. maxRSS below is exact.
const sampler = setInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}, 5);
const started = performance.now();
api.digestFile(file, (err, digest) => {
  const ms = performance.now() - started;
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  if (err) {
    process.stdout.write(`${JSON.stringify({ error: String(err) })}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(
    `${JSON.stringify({
      ms,
      requests: digest.requests,
      malformed: digest.malformed,
      baselineRss,
      // resourceUsage().maxRSS is in kilobytes: the peak resident memory of this whole process.
      peakRss: process.resourceUsage().maxRSS * 1024,
      peakHeap,
    })}\n`,
  );
});
