import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createKafka, ensureTopic, type Kafka } from '@strata/stream';
import { freePorts, ServiceProcess } from '@strata/testing';
import { OtlpReceiver, type ReceivedSpan } from '../test/otlp-receiver';
import { GrpcStrataClient } from './strata-client';

// Tracing on, end to end: ingest, writer and reader from their bundles on the local
// stack, exporting OTLP/HTTP protobuf to a receiver in this process. One point written
// and read back must leave a Write span, a Kafka send span and the writer's batch span
// in one trace (the context crossed Kafka in the record headers), and a Read span.
// Isolated like the dashboard test: own topic, consumer group, tenant and free ports.

const workspace = resolve(__dirname, '../../..');
const logDir = join(workspace, 'test-results', 'tracing-int');
const run = `${Date.now().toString(36)}${process.pid}`;
const tenant = `trace-${run}`;
const apiKey = `trace-key-${run}`;
const topic = `strata.points.tracing-${run}`;
const groupId = `strata-writer-tracing-${run}`;

function stackEnv(): NodeJS.ProcessEnv {
  if (process.env['STRATA_KAFKA_BROKERS']) return {};
  const out = execFileSync('bash', [join(workspace, 'tools/bin/stack.sh'), 'env'], { cwd: workspace, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return Object.fromEntries([...out.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)].map(([, name, value]) => [name, value.replace(/^'(.*)'$/, '$1')]));
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('tracing across ingest -> Kafka -> writer and the reader (real processes)', () => {
  const receiver = new OtlpReceiver();
  const services = new Map<string, ServiceProcess>();
  let kafka: Kafka;
  let client: GrpcStrataClient | undefined;

  beforeAll(async () => {
    for (const app of ['ingest', 'writer', 'reader']) {
      if (!existsSync(join(workspace, 'dist/apps', app, 'main.js'))) throw new Error(`dist/apps/${app}/main.js is missing: run \`npx nx build ${app}\``);
    }
    await receiver.start();
    const base: NodeJS.ProcessEnv = { ...process.env, ...stackEnv() };
    for (const name of Object.keys(base)) if (/^(OTEL_|STRATA_(API_KEYS|GRPC_PORT|OPS_PORT))/.test(name)) delete base[name];
    const env: NodeJS.ProcessEnv = {
      ...base,
      STRATA_KAFKA_TOPIC: topic,
      STRATA_API_KEYS: `${apiKey}:${tenant}`,
      STRATA_LOG_LEVEL: 'info',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
    kafka = createKafka({ brokers: (env['STRATA_KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','), clientId: `tracing-int-${run}`, topic, logLevel: 'nothing' });
    await ensureTopic(kafka, { topic, partitions: 1, replicationFactor: 1 });
    const ports = await freePorts(6);
    const start = (name: string, i: number, extra: NodeJS.ProcessEnv = {}) =>
      services.set(name, ServiceProcess.spawn({ workspace, name, app: name, grpcPort: ports[2 * i], opsPort: ports[2 * i + 1], env: { ...env, ...extra }, logFile: join(logDir, `${name}.log`) }));
    start('ingest', 0);
    start('reader', 1);
    // No sealing during the test: the writer's first round would come long after it.
    start('writer', 2, { STRATA_WRITER_GROUP_ID: groupId, STRATA_SEAL_INTERVAL_MS: '600000' });
    await Promise.all([...services.values()].map((s) => s.waitReady(60_000)));
    client = new GrpcStrataClient({ ingest: services.get('ingest')!.grpcAddress, reader: services.get('reader')!.grpcAddress });
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await Promise.all([...services.values()].map((s) => s.stop(5_000)));
    await receiver.stop();
    const admin = kafka?.admin();
    if (admin) {
      await admin.connect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }
  }, 30_000);

  it('exports Write, Kafka send and writer batch spans in one trace, and a Read span', async () => {
    const now = Date.now();
    const series = { name: 'trace.probe', labels: [{ name: 'run', value: run }] };
    const written = await client!.write(apiKey, { series: [{ ...series, points: [{ timestampMs: now, value: 42 }] }] }, 5_000);
    expect(Number(written.accepted)).toBe(1);
    const read = { matchers: [], series: [series], fromMs: now - 60_000, toMs: now + 60_000, stepMs: 0, aggregation: 0 };
    await until('the point to be readable', 20_000, async () => {
      const messages = await client!.read(apiKey, read, 5_000);
      return messages.some((m) => m.series.some((s) => s.points.some((p) => p.value === 42))) ? true : undefined;
    });

    const find = (service: string, name: string, traceId?: string) =>
      receiver.spans.find((s) => s.service === service && s.name === name && (traceId === undefined || s.traceId === traceId));
    const write = await until('the ingest Write span', 10_000, () => find('strata-ingest', 'strata.v1.IngestService/Write'));
    const send = await until('the Kafka send span', 10_000, () => find('strata-ingest', `send ${topic}`, write.traceId));
    const batch = await until('the writer batch span in the write trace', 10_000, () => find('strata-writer', `process ${topic}`, write.traceId));
    const readSpan = await until('the reader Read span', 10_000, () => find('strata-reader', 'strata.v1.QueryService/Read'));
    const hotFetch = await until('the reader hot-tier fetch span', 10_000, () => find('strata-reader', 'fetch hot', readSpan.traceId));
    const projectRedis = await until('a Redis pipeline span under the writer batch', 10_000, () =>
      receiver.spans.find((s: ReceivedSpan) => s.service === 'strata-writer' && s.name === 'redis PIPELINE' && s.parentSpanId === batch.spanId),
    );

    expect(write).toMatchObject({ parentSpanId: '', kind: 2, attributes: { 'rpc.system': 'grpc', 'strata.tenant': tenant, 'rpc.grpc.status_code': 0 } });
    expect(send).toMatchObject({ parentSpanId: write.spanId, kind: 4, attributes: { 'messaging.destination.name': topic } });
    // The writer's span continues the producer's context carried in the record headers.
    expect(batch).toMatchObject({ traceId: write.traceId, parentSpanId: send.spanId, kind: 5 });
    expect(projectRedis.traceId).toBe(write.traceId);
    expect(readSpan).toMatchObject({ kind: 2, attributes: { 'strata.tenant': tenant } });
    expect(readSpan.traceId).not.toBe(write.traceId);
    expect(hotFetch.parentSpanId).toBe(readSpan.spanId);
    expect(receiver.rejected).toEqual([]);
  }, 60_000);
});
