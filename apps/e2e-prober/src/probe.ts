import { status } from '@grpc/grpc-js';
import { Aggregation, type Label, type ReadResponse } from '@strata/proto';
import { isRetriable, sleep as realSleep } from '@strata/runtime';
import { backoffMs, READ_POLL_BACKOFF, WRITE_RETRY_BACKOFF } from './backoff';
import type { ProbeTenant } from './config';
import type { ProbeResult } from './dashboard-contract';
import { isRpcError, type StrataRpc } from './strata-client';

export const PROBE_SERIES = 'strata.prober.probe';

/** No call is started with less time than this left: it could only run into its deadline. */
const MIN_RPC_MS = 5;

export const PROBE_RESULTS: readonly ProbeResult[] = ['ok', 'write_refused', 'write_unavailable', 'not_readable_in_time', 'read_error'];

export interface ProbeFailure {
  /** The RPC the probe failed at. */
  readonly stage: 'write' | 'read';
  /** What went wrong, with the gRPC status or rejection code. */
  readonly message: string;
}

export interface ProbeOutcome {
  readonly tenant: string;
  readonly result: ProbeResult;
  /** Timestamp of the probe point: the wall clock when the first Write was sent. */
  readonly timestampMs: number;
  readonly value: number;
  /** From sending the first Write to receiving the Read that held the point (ok only). */
  readonly timeToReadableMs?: number;
  /** From sending the first Write to the outcome. */
  readonly elapsedMs: number;
  readonly writeAttempts: number;
  readonly readAttempts: number;
  readonly failure?: ProbeFailure;
}

/** Wall time for timestamps, a monotonic clock for durations; injected so tests control both. */
export interface ProbeClock {
  wallMs(): number;
  monoMs(): number;
}

export const systemClock: ProbeClock = { wallMs: () => Date.now(), monoMs: () => performance.now() };

export interface ProbeDeps {
  readonly rpc: StrataRpc;
  readonly clock: ProbeClock;
  /** @default setTimeout-based, cut short by the abort signal */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly timeoutMs: number;
  readonly rpcTimeoutMs: number;
  /** Labels of the probe series, e.g. `{prober: <instance id>}`: one series per prober. */
  readonly labels: readonly Label[];
}

function holdsPoint(messages: readonly ReadResponse[], timestampMs: number, value: number): boolean {
  return messages.some((message) =>
    message.series.some(
      (series) => series.name === PROBE_SERIES && series.points.some((p) => p.timestampMs === timestampMs && p.value === value),
    ),
  );
}

function describe(error: unknown): string {
  if (isRpcError(error)) return error.summary;
  return error instanceof Error ? error.message : String(error);
}

/**
 * One end-to-end probe: writes one point (timestamp now, a value no other probe used)
 * through ingest, then polls reader for exactly that point until it is readable or the
 * probe times out. Transient write errors are retried with backoff; every RPC has a
 * deadline that never reaches past the probe's own. Never throws: the outcome says where
 * it failed. An aborted probe (shutdown) returns early; its outcome is meaningless.
 */
export async function runProbe(target: ProbeTenant, value: number, deps: ProbeDeps, signal?: AbortSignal): Promise<ProbeOutcome> {
  const { rpc, clock } = deps;
  const sleep = deps.sleep ?? realSleep;
  const started = clock.monoMs();
  const timestampMs = clock.wallMs();
  const deadline = started + deps.timeoutMs;
  const remaining = () => deadline - clock.monoMs();
  const labels = deps.labels.map((l) => ({ ...l }));
  let writeAttempts = 0;
  let readAttempts = 0;
  const outcome = (result: ProbeResult, failure?: ProbeFailure, timeToReadableMs?: number): ProbeOutcome => ({
    tenant: target.tenant,
    result,
    timestampMs,
    value,
    ...(timeToReadableMs === undefined ? {} : { timeToReadableMs }),
    elapsedMs: clock.monoMs() - started,
    writeAttempts,
    readAttempts,
    ...(failure ? { failure } : {}),
  });

  // Poll until exactly this point is readable.
  async function poll(): Promise<ProbeOutcome> {
    const read = {
      matchers: [], series: [{ name: PROBE_SERIES, labels }],
      fromMs: timestampMs - 1_000,
      toMs: timestampMs + 1_000,
      stepMs: 0,
      aggregation: Aggregation.AVG,
    };
    let lastError: unknown;
    while (!signal?.aborted && remaining() >= MIN_RPC_MS) {
      readAttempts++;
      const budgetLimited = remaining() < deps.rpcTimeoutMs;
      try {
        const messages = await rpc.read(target.apiKey, read, Math.min(deps.rpcTimeoutMs, remaining()));
        lastError = undefined;
        if (holdsPoint(messages, timestampMs, value)) return outcome('ok', undefined, clock.monoMs() - started);
      } catch (error) {
        if (!isRpcError(error) || !isRetriable(error)) {
          return outcome('read_error', { stage: 'read', message: `reader refused the read (${describe(error)})` });
        }
        // A read cut short by the probe's own deadline leaves the verdict to the reads before it.
        if (!(budgetLimited && error.code === status.DEADLINE_EXCEEDED)) lastError = error;
      }
      await sleep(Math.min(backoffMs(readAttempts, READ_POLL_BACKOFF), Math.max(0, remaining())), signal);
    }
    if (lastError !== undefined) {
      return outcome('read_error', {
        stage: 'read',
        message: `point written, but reads failed until the ${deps.timeoutMs} ms timeout (${readAttempts} reads; last: ${describe(lastError)})`,
      });
    }
    return outcome('not_readable_in_time', {
      stage: 'read',
      message: `point written, but not readable within ${deps.timeoutMs} ms (${readAttempts} reads answered without it)`,
    });
  }

  // Write, retrying transient failures until the probe's time is up.
  const request = { series: [{ name: PROBE_SERIES, labels, points: [{ timestampMs, value }] }] };
  let lastWriteError: unknown;
  while (!signal?.aborted && remaining() >= MIN_RPC_MS) {
    writeAttempts++;
    const budgetLimited = remaining() < deps.rpcTimeoutMs;
    try {
      const response = await rpc.write(target.apiKey, request, Math.min(deps.rpcTimeoutMs, remaining()));
      const rejection = response.rejections[0];
      if (rejection || response.accepted !== 1) {
        const why = rejection ? `${rejection.code}: ${rejection.message}` : `accepted ${response.accepted} points, expected 1`;
        return outcome('write_refused', { stage: 'write', message: `ingest refused the probe point (${why})` });
      }
      return poll();
    } catch (error) {
      if (!isRpcError(error) || !isRetriable(error)) {
        return outcome('write_refused', { stage: 'write', message: `ingest refused the write (${describe(error)})` });
      }
      // A call cut short by the probe's own deadline says nothing new about ingest.
      if (!(budgetLimited && error.code === status.DEADLINE_EXCEEDED) || lastWriteError === undefined) lastWriteError = error;
    }
    await sleep(Math.min(backoffMs(writeAttempts, WRITE_RETRY_BACKOFF), Math.max(0, remaining())), signal);
  }
  return outcome('write_unavailable', {
    stage: 'write',
    message: `ingest did not take the write within ${deps.timeoutMs} ms (${writeAttempts} attempts; last: ${describe(lastWriteError)})`,
  });
}
