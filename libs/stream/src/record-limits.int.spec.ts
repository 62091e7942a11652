import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { LogEvent } from './point-log-codec';
import { createKafka, parseBrokerList } from './kafka-config';
import type { StreamLogger } from './logger';
import { RecordTooLargeError } from './errors';
import { decodePointsAppended, encodePointsAppended, encodeSeriesRecords, type PointLogRecord } from './point-log';
import { PointLogProducer } from './point-log-producer';
import { createProducer } from './producer';
import { ensureTopic, messageLimitReader, readMaxMessageBytes } from './topic';

// Runs against the local stack (`stack.sh up`) or STRATA_KAFKA_BROKERS.
const brokers = parseBrokerList(process.env['STRATA_KAFKA_BROKERS'] ?? '127.0.0.1:9092');
const quiet: StreamLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * A topic whose max.message.bytes is 64 KiB stands for a broker's limit (1 MiB by
 * default) at a sixteenth of the data: a 100,000-point series of noisy values is ~1.8 MB
 * of protobuf, far over either.
 */
const TOPIC_MAX_MESSAGE_BYTES = 64 * 1024;
const BIG_POINTS = 100_000;
const SMALL_WRITERS = 3_500;

const records = (log: PointLogProducer, event: LogEvent): PointLogRecord[] => encodeSeriesRecords(event, log.maxRecordBytes);

/** Reads every record of the topic up to its end offsets as they are now. */
async function readTopic(kafka: Kafka, admin: Admin, topic: string): Promise<Array<{ key: string; partition: number; offset: number; event: LogEvent }>> {
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  const remaining = new Set([...ends].filter(([, high]) => high > 0).map(([partition]) => partition));
  const out: Array<{ key: string; partition: number; offset: number; event: LogEvent }> = [];
  const consumer: Consumer = kafka.consumer({ groupId: `strata-record-limits-${randomUUID()}`, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length} records; partitions ${[...remaining]} unfinished`)), 90_000);
      if (remaining.size === 0) resolve();
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            out.push({ key: message.key!.toString(), partition: batch.partition, offset: Number(message.offset), event: decodePointsAppended(message.value!) });
          }
          if (Number(batch.lastOffset()) + 1 >= ends.get(batch.partition)!) remaining.delete(batch.partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

describe('records within the broker limit, against a real broker', () => {
  const run = randomUUID();
  const topic = `strata.test.limits.${run}`;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    kafka = createKafka({ brokers, clientId: `strata-record-limits-${run}`, topic, logLevel: 'nothing' }, quiet);
    admin = kafka.admin();
    await admin.connect();
    await ensureTopic(admin, {
      topic,
      partitions: 4,
      replicationFactor: 1,
      configEntries: { 'max.message.bytes': String(TOPIC_MAX_MESSAGE_BYTES) },
    });
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('stores a 100,000-point noisy series whole, in order, while thousands of one-point writes batched with it all succeed', async () => {
    expect(await readMaxMessageBytes(admin, topic)).toEqual({ bytes: TOPIC_MAX_MESSAGE_BYTES, source: 'topic' });
    const log = new PointLogProducer(createProducer(kafka, { allowAutoTopicCreation: false }), {
      topic,
      lingerMs: 2,
      maxMessageBytes: messageLimitReader(kafka, { topic }),
    });
    await log.start();
    expect(log.recordLimits.maxMessageBytes).toBe(TOPIC_MAX_MESSAGE_BYTES);
    const base = Date.UTC(2026, 0, 1);
    const bigPoints = Array.from({ length: BIG_POINTS }, (_, i) => ({ timestampMs: base + i * 1_000, value: Math.random() * 1e6 }));
    const big: LogEvent = { tenant: 'big', series: { name: 'noise', labels: [{ name: 'host', value: 'a' }], points: bigPoints }, acceptedAtMs: base };
    const small = (i: number): LogEvent => ({
      tenant: 'small',
      series: { name: `canary.${i}`, labels: [], points: [{ timestampMs: base, value: i }] },
      acceptedAtMs: base,
    });
    // The big series is queued among the small ones, so they share a linger window.
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: SMALL_WRITERS / 2 }, (_, i) => log.append(records(log, small(i)))),
      log.append(records(log, big)),
      ...Array.from({ length: SMALL_WRITERS / 2 }, (_, i) => log.append(records(log, small(SMALL_WRITERS / 2 + i)))),
    ]);
    await log.stop();
    const failed = outcomes.filter((o) => o.status === 'rejected');
    expect({ failed: failed.length, first: failed.slice(0, 2).map((o) => String((o as PromiseRejectedResult).reason).slice(0, 200)) }).toEqual({
      failed: 0,
      first: [],
    });

    const stored = await readTopic(kafka, admin, topic);
    const smallStored = stored.filter((r) => r.event.tenant === 'small').map((r) => r.event.series!.points[0].value);
    expect(new Set(smallStored).size).toBe(SMALL_WRITERS);
    const bigRecords = stored.filter((r) => r.event.tenant === 'big').sort((a, b) => a.offset - b.offset);
    // One key, hence one partition, and the points in the order they were written.
    expect(new Set(bigRecords.map((r) => r.key))).toEqual(new Set(['big/noise{host="a"}']));
    expect(new Set(bigRecords.map((r) => r.partition)).size).toBe(1);
    const readBack = bigRecords.flatMap((r) => r.event.series!.points);
    expect(readBack.length).toBe(BIG_POINTS);
    expect(readBack).toEqual(bigPoints);
    for (const r of bigRecords) expect(r.event.series).toMatchObject({ name: 'noise', labels: [{ name: 'host', value: 'a' }] });
  });

  it('refuses only the oversized record when the topic limit is below what the producer assumed, and sends every other caller', async () => {
    // The producer believes Kafka's 1 MiB default, as if an operator lowered the topic's
    // limit after start-up: the broker refuses the big request, and only its caller hears.
    const log = new PointLogProducer(createProducer(kafka, { allowAutoTopicCreation: false }), { topic, lingerMs: 5, maxMessageBytes: 1_048_588 });
    await log.start();
    const base = Date.UTC(2026, 0, 2);
    const noisy = Array.from({ length: 20_000 }, (_, i) => ({ timestampMs: base + i, value: Math.random() }));
    const oversized = encodePointsAppended({ tenant: 'huge', series: { name: 'one.record', labels: [], points: noisy }, acceptedAtMs: base });
    expect(oversized.value.length).toBeGreaterThan(TOPIC_MAX_MESSAGE_BYTES);
    const smallRecord = (i: number) =>
      encodePointsAppended({ tenant: 'neighbour', series: { name: `n.${i}`, labels: [], points: [{ timestampMs: base, value: i }] }, acceptedAtMs: base });
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 300 }, (_, i) => log.append([smallRecord(i)])),
      log.append([oversized]),
      ...Array.from({ length: 300 }, (_, i) => log.append([smallRecord(300 + i)])),
    ]);
    await log.stop();
    const refused = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [{ i, reason: o.reason as unknown }] : []));
    expect(refused.map((r) => r.i)).toEqual([300]);
    expect(refused[0].reason).toBeInstanceOf(RecordTooLargeError);
    expect((refused[0].reason as RecordTooLargeError).retriable).toBe(false);
    const stored = await readTopic(kafka, admin, topic);
    expect(new Set(stored.filter((r) => r.event.tenant === 'neighbour').map((r) => r.event.series!.points[0].value)).size).toBe(600);
    expect(stored.filter((r) => r.event.tenant === 'huge')).toEqual([]);
  });
});
