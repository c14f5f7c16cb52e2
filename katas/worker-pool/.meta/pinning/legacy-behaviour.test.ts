// The answer to step 1: the characterization tests a learner writes for legacy behaviour that
// the kata's own tests leave unpinned (the coverage table points at the default size). The
// verifier runs them with the reference solution, so the reference must keep this behaviour too.
import { expect } from 'chai';
import * as os from 'node:os';

import { closeWithCallback, RecordedCall, TASKS, usePoolKit } from '../../test/support/pool-kit';
import { WorkerPool } from '../../src/worker-pool';

describe('pinned: worker-pool as it was', function () {
  this.timeout(60_000);
  const kit = usePoolKit();

  const hold = (pool: WorkerPool, id: number) => new RecordedCall<number>(`pool.run('hold', ${id})`, (cb) => pool.run('hold', kit.gate.ticket(id), cb));

  it('without a size, a pool runs one task per core at once', async () => {
    const pool = kit.closeAfter(new WorkerPool({ tasks: TASKS }), closeWithCallback);
    const cores = os.availableParallelism();
    // Up to 4 of them: enough to show the default is not 1, without starting 64 workers on a big machine.
    const atOnce = Math.min(cores, 4);
    const calls = Array.from({ length: atOnce }, (_, i) => hold(pool, i + 1));
    await kit.untilStarted(atOnce, `all ${atOnce} tasks of a pool without a size, on ${cores} cores`);
    kit.gate.releaseAll();
    for (const [i, call] of calls.entries()) expect(await call.value('its worker exited')).to.equal(i + 1);
    expect(kit.workers.maxAlive, 'no more workers than cores').to.be.at.most(cores);
    await closeWithCallback(pool);
    await kit.workers.whenNoneAlive();
  });

  it('run() after close() calls back, asynchronously, with an error saying the pool is closed', async () => {
    const pool = kit.closeAfter(new WorkerPool({ tasks: TASKS, size: 1 }), closeWithCallback);
    await closeWithCallback(pool);
    const late = new RecordedCall('pool.run() after close()', (cb) => pool.run('echo', 1, cb));
    const result = await late.outcome('nothing is left to call it');
    expect(result.ok).to.equal(false);
    expect(String((result as { error: Error }).error.message)).to.match(/closed/);
    await kit.workers.whenNoneAlive();
  });
});
