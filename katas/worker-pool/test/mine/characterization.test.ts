// Your own tests. Step 1 of the README: before changing src/, pin what the legacy code does
// today, so the refactoring cannot change it by accident. Run `npm test` and read the coverage
// table: every line and branch it lists as uncovered is behaviour no test pins yet.
// These tests count toward the coverage gate. Keep the ones that still hold after the refactor.
//
// The kata's test/support/ is yours to use: TASKS (the tasks module the pools run), RecordedCall
// (a callback call you can wait for) and usePoolKit (a gate for hold/mark tasks, the worker
// watch, and a cleanup that stops whatever a test left running).
import { expect } from 'chai';

import { closeWithCallback, RecordedCall, TASKS, usePoolKit } from '../support/pool-kit';
import { WorkerPool } from '../../src/worker-pool';

describe('my tests: worker-pool as it is today', function () {
  this.timeout(60_000); // each worker loads its modules first
  const kit = usePoolKit();

  it('a payload travels as a structured clone: a Map arrives as a Map', async () => {
    const pool = kit.closeAfter(new WorkerPool({ tasks: TASKS, size: 1 }), closeWithCallback);
    const call = new RecordedCall<Map<string, number>>('pool.run(\'echo\')', (cb) => pool.run('echo', new Map([['a', 1]]), cb));
    expect(await call.value('its worker exited')).to.deep.equal(new Map([['a', 1]]));
    await closeWithCallback(pool);
    await kit.workers.whenNoneAlive();
  });

  // TODO(step 1): pin more of the legacy behaviour here, until the coverage table shows every
  // branch of src/ that the kata's own tests do not reach.
});
