// A PromQL worker thread: evaluates queries posted by PromqlPool on the series the main
// thread read for them, and writes the answer's JSON, off the event loop that serves calls.
import { parentPort } from 'node:worker_threads';
import { parsePromql, PromqlExecutionError, PromqlLimitError, runLoaded } from '@strata/promql';
import { queryValueJson } from './promql-json';
import type { PromqlTask, PromqlTaskResult } from './promql-pool';

const port = parentPort;
if (!port) throw new Error('promql.worker must run as a worker thread');

async function answer(task: PromqlTask): Promise<PromqlTaskResult> {
  // Queued past its deadline: the query's time is up before it starts.
  const left = task.deadlineMs - Date.now();
  if (left <= 0) return { error: { kind: 'timeout', message: 'the deadline passed while queued' } };
  // The caller's cancellation, looked at while the evaluation yields between slices of steps.
  const cancelled = new AbortController();
  const flag = task.cancel && new Int32Array(task.cancel);
  const poll = flag && setInterval(() => Atomics.load(flag, 0) === 1 && cancelled.abort(new Error('cancelled by the caller')), 5);
  try {
    const signal = AbortSignal.any([AbortSignal.timeout(left), cancelled.signal]);
    const value = await runLoaded(parsePromql(task.query), task.range, task.loaded, task.options, signal);
    return { json: queryValueJson(value) };
  } catch (error) {
    if (cancelled.signal.aborted) return { error: { kind: 'internal', message: 'cancelled by the caller' } };
    if (error instanceof PromqlLimitError) return { error: { kind: 'limit', message: error.message, setting: error.setting } };
    if (error instanceof PromqlExecutionError) return { error: { kind: 'execution', message: error.message } };
    if (error instanceof Error && error.name === 'TimeoutError') return { error: { kind: 'timeout', message: error.message } };
    return { error: { kind: 'internal', message: error instanceof Error ? error.message : String(error) } };
  } finally {
    if (poll) clearInterval(poll);
  }
}

port.on('message', (task: PromqlTask) => {
  void answer(task).then((result) => port.postMessage(result));
});
// Tells the pool that the module and its imports loaded.
port.postMessage({ ready: true });
