import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { LogEvent } from './point-log-codec';
import { createKafka, parseBrokerList } from './kafka-config';
import type { StreamLogger } from './logger';
import { encodeSeriesRecords, recordKey, type PointLogRecord } from './point-log';
import { PointLogConsumer } from './point-log-consumer';
import { PointLogProducer } from './point-log-producer';
import { createProducer, partitionForKey } from './producer';
import { ensureTopic, messageLimitReader, partitionCountReader } from './topic';

// Runs against the local stack (`stack.sh up`) or STRATA_KAFKA_BROKERS.
const brokers = parseBrokerList(process.env['STRATA_KAFKA_BROKERS'] ?? '127.0.0.1:9092');
const quiet: StreamLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const PARTITIONS = 4;
/** A sixteenth of Kafka's default limit, so that one append's batches split and a large series spans records. */
const TOPIC_MAX_MESSAGE_BYTES = 64 * 1024;

describe('batch records through a real broker, produced and consumed', () => {
  const run = randomUUID();
  const topic = `strata.test.batch.${run}`;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    kafka = createKafka({ brokers, clientId: `strata-batch-${run}`, topic, logLevel: 'nothing' }, quiet);
    admin = kafka.admin();
    await admin.connect();
    await ensureTopic(admin, { topic, partitions: PARTITIONS, replicationFactor: 1, configEntries: { 'max.message.bytes': String(TOPIC_MAX_MESSAGE_BYTES) } });
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('delivers every series once, on its own partition, in order, in fewer records than series', async () => {
    const log = new PointLogProducer(createProducer(kafka), {
      topic,
      lingerMs: 2,
      maxMessageBytes: messageLimitReader(kafka, { topic }),
      partitions: partitionCountReader(kafka, topic),
    });
    await log.start();
    expect(log.partitions).toBe(PARTITIONS);
    const event = (host: string, t0: number, points: number): LogEvent => ({
      tenant: 'acme',
      series: { name: 'cpu', labels: [{ name: 'host', value: host }], points: Array.from({ length: points }, (_, i) => ({ timestampMs: t0 + i * 1_000, value: i / 4 })) },
      acceptedAtMs: t0,
    });
    const appends: PointLogRecord[][] = [];
    // Three Writes at once, 300 series of 8 points each; the first also holds host h7 twice.
    for (let w = 0; w < 3; w++) {
      const events = Array.from({ length: 300 }, (_, i) => event(`h${i}`, 1_000_000 * (w + 1), 8));
      if (w === 0) events.push(event('h7', 1_500_000, 8));
      appends.push(events.flatMap((e) => encodeSeriesRecords(e, log.maxRecordBytes)));
    }
    // A series over several records (5,000 noisy points), sent alone as the write handler does.
    const large = encodeSeriesRecords(event('large', 9_000_000, 5_000), log.maxRecordBytes);
    expect(large.length).toBeGreaterThan(1);
    await Promise.all([...appends.map((records) => log.append(records)), log.append(large)]);
    await log.stop();
    const expected = appends.reduce((n, records) => n + records.length, 0) + large.length;

    const got: Array<{ partition: number; offset: string; event: LogEvent }> = [];
    let records = 0;
    const consumer = new PointLogConsumer(kafka, { topic, groupId: `strata-batch-${run}`, logger: quiet });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`received ${got.length}/${expected} events`)), 60_000);
      void consumer.start(async (batch) => {
        records += batch.records;
        batch.events.forEach((e, i) => got.push({ partition: batch.partition, offset: batch.offsets[i], event: e }));
        if (got.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await consumer.stop();

    expect(got).toHaveLength(expected);
    expect(records).toBeLessThan(expected / 10);
    const bySeries = new Map<string, typeof got>();
    for (const g of got) {
      const key = recordKey(g.event.tenant, g.event.series!.name, g.event.series!.labels);
      bySeries.set(key, [...(bySeries.get(key) ?? []), g]);
    }
    expect(bySeries.size).toBe(301);
    for (const [key, events] of bySeries) {
      // On the partition its key chooses, whatever record it travelled in.
      expect(new Set(events.map((e) => e.partition))).toEqual(new Set([partitionForKey(key, PARTITIONS)]));
      // Two events of one series never share a record: the writer orders them by offset.
      expect(new Set(events.map((e) => e.offset)).size).toBe(events.length);
    }
    // In log order, the duplicated host's two events of the first Write keep their order.
    const h7 = bySeries.get('acme/cpu{host="h7"}')!.map((e) => e.event.series!.points[0].timestampMs);
    expect(h7.indexOf(1_000_000)).toBeLessThan(h7.indexOf(1_500_000));
    // The large series' points come back whole and in order.
    const largePoints = bySeries.get('acme/cpu{host="large"}')!.flatMap((e) => e.event.series!.points);
    expect(largePoints.map((p) => p.timestampMs)).toEqual(Array.from({ length: 5_000 }, (_, i) => 9_000_000 + i * 1_000));
  }, 120_000);
});
