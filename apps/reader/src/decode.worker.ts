// A decode worker thread: decodes chunk batches posted by DecodePool, off the event loop
// that serves gRPC. Shares nothing with the main thread; every buffer is transferred.
import { parentPort } from 'node:worker_threads';
import { decodeTask, type DecodeTask } from './decode-batch';

const port = parentPort;
if (!port) throw new Error('decode.worker must run as a worker thread');

port.on('message', (task: DecodeTask) => {
  const result = decodeTask(task);
  port.postMessage(result, [result.timestamps.buffer as ArrayBuffer, result.values.buffer as ArrayBuffer]);
});
// Tells the pool that the module and its imports loaded: a worker that cannot load its
// code fails start-up instead of the first large read.
port.postMessage({ ready: true });
