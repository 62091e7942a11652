// A block-building worker thread: decodes chunks, merges, computes rollups and encodes
// blocks for the archiver, off its event loop. Shares nothing; every buffer is transferred.
import { parentPort } from 'node:worker_threads';
import { isBlockFailure, runBlockTask, type BlockTask } from './block-task';

const port = parentPort;
if (!port) throw new Error('block.worker must run as a worker thread');

port.on('message', (task: BlockTask) => {
  const result = runBlockTask(task);
  port.postMessage(result, isBlockFailure(result) ? [] : [result.bytes]);
});
// Tells the pool that the module and its imports loaded.
port.postMessage({ ready: true });
