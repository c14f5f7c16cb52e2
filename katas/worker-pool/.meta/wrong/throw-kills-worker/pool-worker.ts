/**
 * pool-worker: what each worker thread of the pool runs. It loads the tasks module the pool was
 * given and runs one task per message. The answer to every task is a message, result or error:
 * an error thrown by a task belongs to that task, not to this thread.
 *
 * WRONG (kept for the verifier): "let it crash": a task that throws takes its worker thread down,
 * and the pool replaces it. Every error costs a worker start (tens of milliseconds at
 * best), and an unknown task name fails with "tasks[name] is not a function".
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

// No try/catch: an exception kills this thread, reaches the pool as the worker's 'error' event,
// and the pool replaces the worker.
async function answer({ name, payload }: TaskMessage): Promise<void> {
  port.postMessage({ ok: true, result: await tasks[name]!(payload) });
}

port.on('message', (message: TaskMessage) => {
  void answer(message);
});
