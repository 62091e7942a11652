import type * as grpc from '@grpc/grpc-js';
import { seriesKey } from '@strata/model';
import { ReadRequest, ReadResponse, WriteRequest, WriteResponse, type Label } from '@strata/proto';
import { sleep } from '@strata/testing';
import { METHODS, outcomeCode, serverStreamRaw, unaryRaw } from './raw-grpc';

export interface CanaryOptions {
  readonly ingest: grpc.Client;
  readonly reader: grpc.Client;
  readonly apiKey: string;
  /** @default 'canary.b' */
  readonly name?: string;
  /** Points rotate over this many series (label `slot`). @default 8 */
  readonly slots?: number;
  /** How long a written point may take to become readable before the canary moves on (the final check still wants it). @default 10000 */
  readonly readableWithinMs?: number;
}

/**
 * The well-behaved tenant of the noisy-neighbour spec and bench: writes one point at a
 * time, waits for the acknowledgement, then reads the point back through the reader until
 * it is there. Any refusal, of the write or of a read, is a failure; latencies are kept
 * for the report. `check()` reads back every acknowledged point at the end.
 */
export class CanaryTenant {
  readonly writeMs: number[] = [];
  readonly readableMs: number[] = [];
  /** Latency of each Read call (the read-backs' polls and the final check's reads). */
  readonly readMs: number[] = [];
  readonly failures: string[] = [];
  /** Read-backs that gave up before their point was readable (check() still wants it). */
  lateReadBacks = 0;
  /** Acknowledged points not read back because earlier read-backs were still running. */
  skippedReadBacks = 0;
  /** Acknowledged points by series key: timestamp -> value. */
  readonly acknowledged = new Map<string, { labels: Label[]; points: Map<number, number> }>();
  private sequence = 0;
  private lastTimestamp = 0;

  constructor(private readonly options: CanaryOptions) {}

  private get name(): string {
    return this.options.name ?? 'canary.b';
  }

  /**
   * Writes one point every `intervalMs` until `until()` says stop, each write waiting for
   * the one before. Acknowledged points are read back alongside, at most `readBacks` at a
   * time as a well-behaved client would (a point that finds them all busy is not read
   * back, only checked at the end), so a slow read-back never delays the next write.
   * Resolves when every read-back has finished.
   */
  async run(until: () => boolean, intervalMs = 100, maxReadBacks = 2): Promise<void> {
    const readBacks = new Set<Promise<void>>();
    let next = Date.now();
    while (!until()) {
      const readBack = await this.write();
      if (readBack && readBacks.size >= maxReadBacks) this.skippedReadBacks++;
      else if (readBack) {
        const p = readBack().finally(() => readBacks.delete(p));
        readBacks.add(p);
      }
      next += intervalMs;
      await sleep(Math.max(0, next - Date.now()));
      if (next < Date.now() - intervalMs) next = Date.now(); // fell behind: do not burst to catch up
    }
    await Promise.all(readBacks);
  }

  /**
   * Writes and reads back until one round goes through with no failure and no warning (a
   * system just started may still be settling, e.g. its hot tier's state after a first
   * start); what those rounds saw is returned and forgotten, their points still checked.
   */
  async settle(timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    const seen: string[] = [];
    for (;;) {
      const before = this.failures.length;
      await this.once();
      const fresh = this.failures.splice(before);
      if (fresh.length === 0) return seen;
      seen.push(...fresh);
      if (Date.now() > deadline) throw new Error(`tenant B never got a clean round in ${timeoutMs} ms; last: ${fresh.join('; ')}`);
      await sleep(500);
    }
  }

  /** One write and its read-back. */
  async once(): Promise<void> {
    await (await this.write())?.();
  }

  /** One write; when acknowledged, returns its read-back (polls until the point is readable). */
  private async write(): Promise<(() => Promise<void>) | undefined> {
    const seq = this.sequence++;
    const labels = [{ name: 'slot', value: String(seq % (this.options.slots ?? 8)) }];
    // Unique, increasing timestamps: two writes in one millisecond must not overwrite each other.
    const timestampMs = (this.lastTimestamp = Math.max(Date.now(), this.lastTimestamp + 1));
    const value = seq + 0.25;
    const body = Buffer.from(WriteRequest.encode({ series: [{ name: this.name, labels, points: [{ timestampMs, value }] }] }).finish());
    const began = performance.now();
    const outcome = await unaryRaw(this.options.ingest, METHODS.write, body, this.options.apiKey, 30_000);
    if (!outcome.ok) {
      this.failures.push(`write #${seq}: ${outcomeCode(outcome)} ${outcome.error.details} after ${outcome.ms.toFixed(0)} ms`);
      return undefined;
    }
    const response = WriteResponse.decode(outcome.messages[0]!);
    if (response.accepted !== 1 || response.rejections.length > 0) {
      this.failures.push(`write #${seq}: accepted ${response.accepted}, rejections ${JSON.stringify(response.rejections)}`);
      return undefined;
    }
    this.writeMs.push(outcome.ms);
    const key = seriesKey(this.name, labels);
    const entry = this.acknowledged.get(key) ?? { labels, points: new Map<number, number>() };
    entry.points.set(timestampMs, value);
    this.acknowledged.set(key, entry);

    return async () => {
      const deadline = began + (this.options.readableWithinMs ?? 10_000);
      let delayMs = 2;
      for (;;) {
        const points = await this.readPoints(labels, timestampMs, timestampMs + 1, `read-back of #${seq}`);
        if (points === undefined) return;
        if (points.get(timestampMs) === value) {
          this.readableMs.push(performance.now() - began);
          return;
        }
        if (performance.now() > deadline) {
          this.lateReadBacks++;
          return; // check() will tell whether it ever arrives
        }
        await sleep(delayMs);
        delayMs = Math.min(delayMs * 2, 25);
      }
    };
  }

  /**
   * Reads every series back over the whole span written and lists what is missing or
   * different; empty when every acknowledged point is readable with its value.
   */
  async check(): Promise<string[]> {
    const problems: string[] = [];
    for (const [key, { labels, points }] of this.acknowledged) {
      const timestamps = [...points.keys()];
      const read = await this.readPoints(labels, Math.min(...timestamps), Math.max(...timestamps) + 1, `final read of ${key}`);
      if (read === undefined) {
        problems.push(`${key}: the final read failed`);
        continue;
      }
      const missing = [...points].filter(([t, v]) => read.get(t) !== v);
      if (missing.length > 0) problems.push(`${key}: ${missing.length} of ${points.size} acknowledged points missing or different, first at ${missing[0]![0]}`);
    }
    return problems;
  }

  get acknowledgedPoints(): number {
    let n = 0;
    for (const { points } of this.acknowledged.values()) n += points.size;
    return n;
  }

  private async readPoints(labels: Label[], fromMs: number, toMs: number, what: string): Promise<Map<number, number> | undefined> {
    const body = Buffer.from(ReadRequest.encode({ matchers: [], series: [{ name: this.name, labels }], fromMs, toMs, stepMs: 0, aggregation: 0 }).finish());
    const outcome = await serverStreamRaw(this.options.reader, METHODS.read, body, this.options.apiKey, { timeoutMs: 30_000 });
    this.readMs.push(outcome.ms);
    if (!outcome.ok) {
      this.failures.push(`${what}: ${outcomeCode(outcome)} ${outcome.error.details} after ${outcome.ms.toFixed(0)} ms`);
      return undefined;
    }
    const points = new Map<number, number>();
    for (const message of outcome.messages) {
      const response = ReadResponse.decode(message);
      if (response.warnings.length > 0) this.failures.push(`${what}: warnings ${JSON.stringify(response.warnings)}`);
      for (const s of response.series) for (const p of s.points) points.set(p.timestampMs, p.value);
    }
    return points;
  }
}

/** `p50 … ms, p99 … ms, max … ms (n)` by nearest rank, for log lines. */
export function latencySummary(samples: readonly number[]): string {
  if (samples.length === 0) return 'no samples';
  const sorted = [...samples].sort((x, y) => x - y);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return `p50 ${at(50).toFixed(1)} ms, p99 ${at(99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms (${sorted.length})`;
}
