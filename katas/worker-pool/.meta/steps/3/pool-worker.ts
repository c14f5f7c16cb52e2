/**
 * pool-worker: what each worker thread of the pool runs. It loads the tasks module the pool was
 * given and runs one task per message. The answer to every task is a message, result or error:
 * an error thrown by a task belongs to that task, not to this thread.
 *
 * Started by worker-pool.ts with `new Worker(path)`: keep it next to that file.
 */
import { parentPort, workerData } from 'node:worker_threads';

type Task = (payload: unknown) => unknown;

interface TaskMessage {
  name: string;
  payload: unknown;
}

const port = parentPort!;
const { tasks: tasksFile } = workerData as { tasks: string };
const tasks = require(tasksFile) as Record<string, Task | undefined>;

async function run({ name, payload }: TaskMessage): Promise<unknown> {
  const task = tasks[name];
  if (typeof task !== 'function') throw new Error(`the tasks module ${tasksFile} has no task named "${name}"`);
  return task(payload);
}

async function answer(message: TaskMessage): Promise<void> {
  try {
    port.postMessage({ ok: true, result: await run(message) });
  } catch (error) {
    port.postMessage({ ok: false, error });
  }
}

port.on('message', (message: TaskMessage) => {
  void answer(message);
});
