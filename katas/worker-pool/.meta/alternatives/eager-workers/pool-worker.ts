/**
 * pool-worker: what each worker thread of the pool runs. It loads the tasks module the pool was
 * given and runs one task per message. The answer to every task is a message, result or error:
 * an error thrown by a task belongs to that task, not to this thread.
 *
 * Started by worker-pool.ts with `new Worker(path)`: keep it next to that file.
 */
import { on } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';

type Task = (payload: unknown) => unknown;

interface TaskMessage {
  name: string;
  payload: unknown;
}

const port = parentPort!;
const { tasks: tasksFile } = workerData as { tasks: string };
const tasks = require(tasksFile) as Record<string, Task | undefined>;

function run({ name, payload }: TaskMessage): unknown {
  const task = tasks[name];
  if (typeof task !== 'function') throw new Error(`the tasks module ${tasksFile} has no task named "${name}"`);
  return task(payload);
}

// One task at a time, in the order they come: the pool never gives a worker a second task before
// the first is answered.
async function serve(): Promise<void> {
  for await (const [message] of on(port, 'message')) {
    try {
      port.postMessage({ ok: true, result: await run(message as TaskMessage) });
    } catch (error) {
      port.postMessage({ ok: false, error });
    }
  }
}

void serve();
