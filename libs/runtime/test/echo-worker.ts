// A worker script for the pool's specs: it spins for the time a task asks (standing in
// for CPU-bound work), then echoes the task's value; a task may ask it to exit instead.
import { parentPort } from 'node:worker_threads';

export interface EchoTask {
  readonly value: string;
  readonly spinMs?: number;
  readonly exit?: boolean;
}

const port = parentPort;
port?.on('message', (task: EchoTask) => {
  if (task.exit) process.exit(3);
  const until = Date.now() + (task.spinMs ?? 0);
  while (Date.now() < until);
  port.postMessage(task.value);
});
port?.postMessage({ ready: true });
