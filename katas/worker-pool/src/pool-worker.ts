/**
 * pool-worker: what each worker thread of the pool runs. It loads the tasks module the pool was
 * given and runs one task per message, sending the result back.
 *
 * Written in 2015 for child_process.fork (process.on('message')), ported to worker_threads in
 * 2019. Started by worker-pool.ts with `new Worker(path)`: keep it next to that file.
 */
import { parentPort, workerData } from 'worker_threads';

interface TaskMessage {
  name: string;
  payload: unknown;
}

var tasks: { [name: string]: (payload: unknown) => unknown } = require(workerData.tasks);

// TODO(step 2): a task that throws takes this whole thread down with it, and the pool has to
// guess whose error it is. Send the error back as the answer to that task instead.
parentPort!.on('message', function (msg: TaskMessage) {
  var result = tasks[msg.name]!(msg.payload);
  parentPort!.postMessage({ result: result });
});
