// A write-preparation worker thread: decodes, validates and encodes large Write bodies
// posted by WritePreparationPool, off the event loop that answers every tenant's calls.
// Shares nothing with the main thread; the body and the records are transferred.
import { parentPort } from 'node:worker_threads';
import { packPreparation, prepareBody, type PreparationTask } from './write-preparation';

const port = parentPort;
if (!port) throw new Error('write-preparation.worker must run as a worker thread');

port.on('message', ({ body, settings }: PreparationTask) => {
  const { packed, transfer } = packPreparation(prepareBody(Buffer.from(body), settings));
  port.postMessage(packed, transfer);
});
// Tells the pool that the module and its imports loaded: a worker that cannot load its
// code fails start-up instead of the first large Write.
port.postMessage({ ready: true });
