import type { Logger } from '@strata/runtime';
import type { Kafka } from '@strata/stream';
import { ReplayProgress } from './replay-progress';

export interface ReplayTracking {
  record(partition: number, lastOffset: string): void;
  onDone(callback: () => void): void;
}

/**
 * For `writer --replay-from`: fixes the range to replay (from the offsets for the given
 * time to the end offsets now), logs progress every few seconds, and calls back once the
 * whole range is projected.
 */
export async function startReplayTracking(kafka: Kafka, topic: string, fromMs: number, logger: Logger): Promise<ReplayTracking> {
  const admin = kafka.admin();
  await admin.connect();
  let progress: ReplayProgress;
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const starts = await admin.fetchTopicOffsetsByTimestamp(topic, fromMs);
    progress = new ReplayProgress(
      new Map(ends.map((e) => [e.partition, BigInt(e.high)])),
      new Map(starts.map((s) => [s.partition, BigInt(s.offset)])),
    );
  } finally {
    await admin.disconnect();
  }
  const began = Date.now();
  logger.info({ from: new Date(fromMs).toISOString(), ...progress.totals() }, 'replay started');
  let callback: (() => void) | undefined;
  let finished = false;
  const report = () => {
    const { replayed, total } = progress.totals();
    const elapsedS = (Date.now() - began) / 1_000;
    logger.info(
      { replayed, total, percent: total === 0 ? 100 : Math.floor((replayed * 100) / total), recordsPerSecond: Math.round(replayed / Math.max(elapsedS, 0.001)) },
      'replay progress',
    );
  };
  const timer = setInterval(report, 2_000);
  const check = () => {
    if (finished || !progress.done()) return;
    finished = true;
    clearInterval(timer);
    report();
    logger.info({ seconds: (Date.now() - began) / 1_000 }, 'replay complete');
    callback?.();
  };
  return {
    record(partition, lastOffset) {
      progress.record(partition, lastOffset);
      check();
    },
    onDone(cb) {
      callback = cb;
      check();
    },
  };
}
