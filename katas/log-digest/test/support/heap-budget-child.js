// The child process of heap-budget.ts: runs one digest of a generated log under a small heap
// (the parent starts it with --max-old-space-size), and reports what the digest counted.
// Plain JavaScript on purpose: a TypeScript loader could load the compiler into this heap (about
// 37 MB). The parent transpiles the code under test and sends it over with the job.
'use strict';
const fs = require('node:fs');
const { Readable } = require('node:stream');

/** One block of whole log lines, repeated to make a log of any size. */
function logBlock() {
  const paths = ['/menu/café', '/orders', '/health', '/städte/köln', '/api/v1/users/42', '/東京/メニュー', '/🍕/order'];
  const statuses = [200, 200, 200, 404, 500, 304, 201];
  let text = '';
  let lines = 0;
  while (text.length < 60000) {
    const second = String(lines % 60).padStart(2, '0');
    text += `2016-03-14T09:00:${second}.120Z GET ${paths[lines % paths.length]} ${statuses[lines % statuses.length]} 512 - ${(lines % 997) / 10} ms\n`;
    lines += 1;
  }
  return { block: Buffer.from(text, 'utf8'), lines };
}

/**
 * The peaks of the memory outside the JS heap, which --max-old-space-size does not cap: Buffers
 * (arrayBuffers, part of external) and the whole process (rss).
 */
const peak = { rss: 0, external: 0, arrayBuffers: 0 };
function sampleMemory() {
  const now = process.memoryUsage();
  peak.rss = Math.max(peak.rss, now.rss);
  peak.external = Math.max(peak.external, now.external);
  peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
}

/** A stream of `count` copies of `block`, each a Buffer of its own, as a file or a socket gives. */
function generatedStream(block, count) {
  let left = count;
  return new Readable({
    read() {
      sampleMemory();
      this.push(left-- > 0 ? Buffer.from(block) : null);
    },
  });
}

function writeLog(file, block, count) {
  const fd = fs.openSync(file, 'w');
  try {
    for (let i = 0; i < count; i++) fs.writeSync(fd, block);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes require() of the code under test use the sources the parent transpiled. */
function installSources(sources) {
  require.extensions['.ts'] = function (module, filename) {
    const js = sources[filename];
    if (js === undefined) throw new Error(`heap-budget child: no transpiled source for ${filename}`);
    module._compile(js, filename);
  };
}

function run(api, call, input, done) {
  const fail = (err) => done({ ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  const succeed = (digest) => done({ ok: true, requests: digest && digest.requests });
  try {
    if (call === 'digestFile' || call === 'digestStream') {
      api[call](input, (err, digest) => (err ? fail(err) : succeed(digest)));
    } else {
      const fn = call === 'promises.digestFile' ? api.promises.digestFile : api.promises.digestStream;
      Promise.resolve(fn(input)).then(succeed, fail);
    }
  } catch (err) {
    fail(err);
  }
}

// The parent went away (its test timed out, or the run was stopped): stop too.
process.on('disconnect', () => process.exit(0));

process.once('message', (job) => {
  // From here on, only the digest keeps this process alive: one that never settles lets it exit.
  process.channel.unref();
  installSources(job.sources);
  const api = require(job.entry);
  const { block, lines } = logBlock();
  const count = Math.ceil(job.bytes / block.length);
  let input;
  if (job.call.endsWith('digestFile')) {
    writeLog(job.file, block, count);
    input = job.file;
  } else {
    input = generatedStream(block, count);
  }
  let reported = false;
  // Between reads of a file, too (the stream above samples on every read).
  const sampler = setInterval(sampleMemory, 2);
  sampler.unref();
  run(api, job.call, input, (result) => {
    if (reported) return;
    reported = true;
    sampleMemory();
    clearInterval(sampler);
    process.send({ ...result, expected: lines * count, bytes: block.length * count, peak });
  });
});
