/**
 * callLegacy, callPromise, expectRejection and outcome: each contract break a learner's code can
 * make gives its own message, and code that keeps the contract passes untouched.
 */
import { expect } from 'chai';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { callbackify } from 'node:util';
import { Worker } from 'node:worker_threads';

import { callLegacy, callPromise, expectCallerErrorEscapes, expectRejection, KataAssertionError, outcome } from '../../src/harness/callbacks';
import { messages } from '../../src/harness/messages';
import { whenQuiet } from '../../src/harness/quiet';
import { useTempDir } from '../../src/harness/temp-dir';

type Callback<T> = (err: Error | null | undefined, value?: T) => void;

/** The settled rejection of `promise`, failing the test if it resolved. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  const result = await outcome(promise);
  if (result.ok) expect.fail(`expected a rejection, got ${JSON.stringify(result.value)}`);
  expect(result.error).to.be.instanceOf(Error);
  return result.error as Error;
}

/** Legacy-style "stat every file, call back when the counter reaches 0", with the empty-list bug. */
function statAll(files: string[], callback: Callback<number>): void {
  let pending = files.length;
  for (const file of files) {
    fs.stat(file, () => {
      pending -= 1;
      if (pending === 0) callback(null, files.length);
    });
  }
}

describe('harness callLegacy: calling a callback API and checking its contract', () => {
  const tmp = useTempDir();

  it('resolves with the value a correct callback API calls back with', async () => {
    await tmp.write({ 'a.txt': 'hello' });
    const text = await callLegacy<string>('readFile(a.txt)', (cb) => fs.readFile(tmp.file('a.txt'), 'utf8', cb));
    expect(text).to.equal('hello');
  });

  it('rejects with the error a correct callback API calls back with, unchanged', async () => {
    const err = await rejectionOf(callLegacy('readFile(missing.txt)', (cb) => fs.readFile(tmp.file('missing.txt'), cb)));
    expect(err).to.not.be.instanceOf(KataAssertionError);
    expect((err as NodeJS.ErrnoException).code).to.equal('ENOENT');
  });

  it('fails with the "called twice" message, showing both calls, when an error path does not return', async () => {
    let statError: Error | undefined;
    const err = await rejectionOf(
      callLegacy<string>('loadIt(missing.txt)', (cb) =>
        fs.stat(tmp.file('missing.txt'), (e) => {
          statError = e ?? undefined;
          if (e) cb(e); // the classic bug: no `return` here
          cb(null, 'loaded');
        }),
      ),
    );
    expect(err).to.be.instanceOf(KataAssertionError);
    expect(statError, 'the fixture stat should fail').to.be.instanceOf(Error);
    expect(err.message).to.equal(messages.callbackCalledTwice('loadIt(missing.txt)', statError, 'loaded'));
  });

  it('fails with the "called twice" message when the second call comes on a later turn', async () => {
    const err = await rejectionOf(
      callLegacy<number>('twice()', (cb) => {
        setImmediate(() => cb(null, 1));
        setTimeout(() => cb(null, 2), 5);
      }),
    );
    expect(err.message).to.equal(messages.callbackCalledTwice('twice()', 1, 2));
  });

  it('fails with the "never called" message for an empty list whose counter never reaches 0, long before mocha\'s timeout', async function () {
    this.timeout(10_000);
    const started = Date.now();
    const err = await rejectionOf(callLegacy<number>('statAll([])', (cb) => statAll([], cb)));
    expect(err).to.be.instanceOf(KataAssertionError);
    expect(err.message).to.equal(messages.callbackNeverCalled('statAll([])'));
    // Quiet detection is a matter of turns of the loop, not a guessed sleep.
    expect(Date.now() - started).to.be.below(2_000);
  });

  it('fails with the "never called" message only once the file operations it started have finished', async () => {
    await tmp.write({ 'a.txt': 'a', 'b.txt': 'b' });
    let statsDone = 0;
    const err = await rejectionOf(
      callLegacy<number>('statAll(off by one)', (cb) => {
        let pending = 3; // one more than the files: the counter never reaches 0
        for (const f of ['a.txt', 'b.txt']) {
          fs.stat(tmp.file(f), () => {
            statsDone += 1;
            pending -= 1;
            if (pending === 0) cb(null, 2);
          });
        }
      }),
    );
    expect(statsDone, 'both stats ran before the verdict').to.equal(2);
    expect(err.message).to.equal(messages.callbackNeverCalled('statAll(off by one)'));
  });

  it('passes a callback that comes after a chain of operations and timers', async () => {
    await tmp.write({ 'a.txt': 'a', 'b.txt': 'b' });
    const n = await callLegacy<number>('statAll(a, b) then wait', (cb) =>
      statAll([tmp.file('a.txt'), tmp.file('b.txt')], (err, count) => setTimeout(() => cb(err, count), 20)),
    );
    expect(n).to.equal(2);
  });

  it('fails with the "synchronously" message when the callback runs before the function returns (Zalgo)', async () => {
    const err = await rejectionOf(callLegacy<number>('cached()', (cb) => cb(null, 42)));
    expect(err.message).to.equal(messages.callbackCalledSynchronously('cached()'));
  });

  it('accepts a synchronous callback when allowSync is set', async () => {
    expect(await callLegacy<number>('cached()', (cb) => cb(null, 42), { allowSync: true })).to.equal(42);
  });

  describe("an API that calls back and leaves a connection open on purpose (handles: 'ignore')", () => {
    let server: net.Server;
    let client: net.Socket | undefined;
    beforeEach(async () => {
      server = net.createServer((socket) => socket.on('error', () => undefined));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    });
    afterEach(async () => {
      client?.destroy();
      server.close();
      await once(server, 'close');
    });
    /** A 2014 client's connect(cb): calls back once connected, and the socket stays open. */
    const connect = (cb: Callback<net.Socket>) => {
      const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1', () => cb(null, socket));
      client = socket;
    };

    it('settles once connected, however long the connection then stays open', async () => {
      const socket = await callLegacy<net.Socket>('connect()', connect, { handles: 'ignore' });
      expect(socket.readyState).to.equal('open');
    });

    it('by default waits while the connection is open: the open socket counts as work still to come', async () => {
      let settled = false;
      const call = callLegacy<net.Socket>('connect()', connect).finally(() => (settled = true));
      // Long enough for the 'ignore' verdict: quiet apart from the open connection.
      await whenQuiet({ handles: 'ignore' });
      expect(settled, 'the default verdict waits for the connection').to.equal(false);
      client!.destroy(); // the verdict then comes
      expect((await call).destroyed).to.equal(true);
    });

    it("still fails with the 'never called' message when the connection is refused and the error is dropped", async () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close();
      await once(server, 'close');
      server.listen(0, '127.0.0.1'); // for afterEach
      await once(server, 'listening');
      const dropsErrors = (cb: Callback<net.Socket>) => {
        const socket = net.connect(port, '127.0.0.1', () => cb(null, socket));
        socket.on('error', () => undefined);
      };
      const err = await rejectionOf(callLegacy('connect()', dropsErrors, { handles: 'ignore' }));
      expect(err.message).to.equal(messages.callbackNeverCalled('connect()'));
    });
  });

  it('fails with a message naming the function when it throws instead of calling back', async () => {
    const err = await rejectionOf(
      callLegacy('throws()', () => {
        throw new TypeError('bad argument');
      }),
    );
    expect(err).to.be.instanceOf(KataAssertionError);
    expect(err.message).to.match(/^throws\(\) threw TypeError: bad argument instead of passing the error to its callback\.$/);
  });

  it('fails with the "escaped" message when an error is thrown inside an fs callback, and mocha never sees it', async () => {
    await tmp.write({ 'bad.json': '{ not json' });
    const listenersBefore = process.listeners('uncaughtException');
    let thrown: Error | undefined;
    const err = await rejectionOf(
      callLegacy<unknown>('loadJson(bad.json)', (cb) =>
        fs.readFile(tmp.file('bad.json'), 'utf8', (readErr, text) => {
          if (readErr) return cb(readErr);
          try {
            cb(null, JSON.parse(text)); // throws inside the fs callback: nobody can catch it
          } catch (e) {
            thrown = e as Error;
            throw e;
          }
        }),
      ),
    );
    expect(thrown, 'the fixture should have thrown').to.be.instanceOf(SyntaxError);
    expect(err).to.be.instanceOf(KataAssertionError);
    expect(err.message).to.equal(`loadJson(bad.json): ${messages.escapedException(thrown)}`);
    // Had it reached the process listeners, the root hook would have rewritten its message and
    // mocha would have failed this test as "Uncaught SyntaxError".
    expect(thrown!.message).to.not.include('escaped');
    expect(process.listeners('uncaughtException'), 'the listeners are put back as they were').to.deep.equal(listenersBefore);
  });

  it('settles two calls made at the same time, each with its own value', async () => {
    await tmp.write({ 'a.txt': 'A', 'b.txt': 'B' });
    const [a, b] = await Promise.all([
      callLegacy<string>('readFile(a.txt)', (cb) => fs.readFile(tmp.file('a.txt'), 'utf8', cb)),
      callLegacy<string>('readFile(b.txt)', (cb) => fs.readFile(tmp.file('b.txt'), 'utf8', cb)),
    ]);
    expect([a, b]).to.deep.equal(['A', 'B']);
  });

  it('settles two calls made at the same time when one passes and the other never calls back', async () => {
    await tmp.write({ 'a.txt': 'A' });
    const [a, never] = await Promise.all([
      outcome(callLegacy<string>('readFile(a.txt)', (cb) => fs.readFile(tmp.file('a.txt'), 'utf8', cb))),
      outcome(callLegacy<number>('statAll([])', (cb) => statAll([], cb))),
    ]);
    expect(a).to.deep.equal({ ok: true, value: 'A' });
    expect(never.ok).to.equal(false);
    expect((never as { error: Error }).error.message).to.equal(messages.callbackNeverCalled('statAll([])'));
  });

  it('waits for a callback that comes from a worker thread: a worker computing is work still to come', async () => {
    const value = await callLegacy<number>('computeInWorker()', (cb) => {
      // The worker answers after 100 ms: many idle turns of the main thread, none of them quiet.
      const worker = new Worker('setTimeout(() => require("node:worker_threads").parentPort.postMessage(42), 100)', { eval: true });
      worker.once('message', (answer: number) => {
        worker.once('exit', () => cb(null, answer));
        void worker.terminate();
      });
    });
    expect(value).to.equal(42);
  });

  it('charges an escaped error to the call it came from, while another call is pending', async () => {
    await tmp.write({ 'a.txt': 'A' });
    const [a, b] = await Promise.all([
      outcome(callLegacy('A(throws)', () => fs.stat(tmp.file('a.txt'), () => {
        throw new Error('from A');
      }))),
      outcome(callLegacy<string>('B(fine)', (cb) => setTimeout(() => cb(null, 'b'), 50))),
    ]);
    expect(a.ok).to.equal(false);
    expect((a as { error: Error }).error.message).to.match(/^A\(throws\): this error escaped/).and.to.include('from A');
    expect(b).to.deep.equal({ ok: true, value: 'b' });
  });

  it('puts the uncaughtException listeners back as they were after two overlapping calls', async () => {
    await tmp.write({ 'a.txt': 'A', 'b.txt': 'B' });
    const before = process.listeners('uncaughtException');
    await Promise.all([
      callLegacy<string>('readFile(a.txt)', (cb) => fs.readFile(tmp.file('a.txt'), 'utf8', cb)),
      callLegacy<string>('readFile(b.txt)', (cb) => fs.readFile(tmp.file('b.txt'), 'utf8', cb)),
    ]);
    expect(process.listeners('uncaughtException')).to.deep.equal(before);
  });
});

describe('harness callPromise: calling a promise API and checking it returned one', () => {
  it('settles as the returned promise does when it resolves', async () => {
    expect(await callPromise('load()', () => Promise.resolve({ a: 1 }))).to.deep.equal({ a: 1 });
  });

  it('settles as the returned promise does when it rejects, with the error unchanged', async () => {
    const original = new Error('disk on fire');
    const err = await rejectionOf(callPromise('load()', () => Promise.reject(original)));
    expect(err).to.equal(original);
  });

  it('fails with the "forgot to return" message when the function returned undefined', async () => {
    const forgotReturn = (() => {
      void Promise.resolve(1);
    }) as unknown as () => Promise<number>;
    const err = await rejectionOf(callPromise('load()', forgotReturn));
    expect(err).to.be.instanceOf(KataAssertionError);
    expect(err.message).to.equal(messages.returnedUndefined('load()'));
  });

  it('fails with the "instead of a Promise" message when the function returned a plain value', async () => {
    const err = await rejectionOf(callPromise('load()', (() => ({ a: 1 })) as unknown as () => Promise<unknown>));
    expect(err.message).to.equal(messages.returnedNonPromise('load()', { a: 1 }));
  });

  it('fails with the "threw synchronously" message when the function threw instead of rejecting', async () => {
    const thrown = new RangeError('bad limit');
    const err = await rejectionOf(
      callPromise('load(-1)', () => {
        throw thrown;
      }),
    );
    expect(err).to.be.instanceOf(KataAssertionError);
    expect(err.message).to.equal(messages.threwSynchronously('load(-1)', thrown));
  });

  it('accepts any thenable, not only native promises', async () => {
    const thenable = { then: (resolve: (v: number) => void) => resolve(7) };
    expect(await callPromise('load()', () => thenable as unknown as Promise<number>)).to.equal(7);
  });
});

describe('harness expectRejection: a promise API that must reject', () => {
  it('returns the rejection reason when the promise rejects', async () => {
    const original = new Error('nope');
    expect(await expectRejection('load(bad)', () => Promise.reject(original))).to.equal(original);
  });

  it('fails with what the promise resolved to when it resolves instead', async () => {
    const err = await rejectionOf(expectRejection('load(bad)', () => Promise.resolve({ a: 1 })));
    expect(err).to.be.instanceOf(KataAssertionError);
    expect(err.message).to.equal(messages.expectedRejection('load(bad)', { a: 1 }));
  });

  it('wraps a non-Error rejection reason in an Error that shows it', async () => {
    // Legacy code does reject with strings: that is the case under test.
    const err = await expectRejection('load(bad)', () => Promise.reject('a string')); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors
    expect(err).to.be.instanceOf(Error);
    expect(err.message).to.equal("rejected with a non-Error: 'a string'");
  });

  it('passes on the harness\'s own failures (a forgotten return is not the rejection it expects)', async () => {
    const err = await rejectionOf(expectRejection('load(bad)', (() => undefined) as unknown as () => Promise<unknown>));
    expect(err).to.be.instanceOf(KataAssertionError);
    expect(err.message).to.equal(messages.returnedUndefined('load(bad)'));
  });
});

describe('harness outcome: how a promise settled, without throwing', () => {
  it('gives ok and the value for a resolved promise', async () => {
    expect(await outcome(Promise.resolve(3))).to.deep.equal({ ok: true, value: 3 });
  });

  it('gives not ok and the reason for a rejected promise, whatever the reason is', async () => {
    const err = new Error('x');
    expect(await outcome(Promise.reject(err))).to.deep.equal({ ok: false, error: err });
    expect(await outcome(Promise.reject(undefined))).to.deep.equal({ ok: false, error: undefined }); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors
  });
});

describe('harness: expectCallerErrorEscapes, the shim safety net every callback kata shares', () => {
  type Cb = (err: Error | null, value?: string) => void;
  const load = (value: string) => Promise.resolve(value);
  /* eslint-disable promise/no-callback-in-promise -- shims written wrong on purpose */
  const shims: Record<string, (value: string, cb: Cb) => void> = {
    'util.callbackify': callbackify(load),
    // The mistake under test; the second call's own throw is dropped here only so that this
    // test leaves no unhandled rejection (in a kata the test has failed by then anyway).
    '.then(cb).catch(cb)': (value, cb) => {
      void load(value)
        .then((v) => cb(null, v))
        .catch((err: Error) => {
          try {
            cb(err);
          } catch {
            // see above
          }
        });
    },
    'a try/catch around the callback': (value, cb) => {
      void load(value).then((v) => {
        try {
          cb(null, v);
        } catch {
          // swallowed: the mistake under test
        }
      });
    },
    'never calls back': () => undefined,
  };
  /* eslint-enable promise/no-callback-in-promise */
  const attempt = (name: string) => outcome(expectCallerErrorEscapes(`load via ${name}`, (cb) => shims[name]!('x', cb as Cb)));

  it('passes util.callbackify, and resolves with the arguments of its one call', async () => {
    expect(await attempt('util.callbackify')).to.deep.equal({ ok: true, value: [[null, 'x']] });
  });

  it('names the error fed back into the callback by .then(cb).catch(cb)', async () => {
    const r = await attempt('.then(cb).catch(cb)');
    expect(r.ok).to.equal(false);
    expect((r as { error: Error }).error.message).to.equal(
      'load via .then(cb).catch(cb) called its callback 2 times: the second time with Error: thrown by the caller, the error the callback itself threw. `.then(cb).catch(cb)` does that: the .catch catches the caller\'s own exception. util.callbackify calls back outside the promise.',
    );
  });

  it('names a swallowed caller error, and a callback never called', async () => {
    const swallowed = await attempt('a try/catch around the callback');
    expect((swallowed as { error: Error }).error.message).to.match(/^load via a try\/catch around the callback swallowed the error its caller's callback threw/);
    const never = await attempt('never calls back');
    expect((never as { error: Error }).error.message).to.match(/^load via never calls back never called its callback/);
  });
});
