import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IngestServiceClient, Series } from '@strata/proto';
import { MetricSnapshot } from '@strata/runtime';
import { createRedis, hotKeys, type Redis } from '@strata/storage/hot';
import { createDynamoDb, DynamoWarmStore, type DynamoDBClient } from '@strata/storage/warm';
import type { ServiceName } from '@strata/stack';
import { createKafka, type Admin } from '@strata/stream';
import { freePorts, pollUntil, ServiceProcess } from '@strata/testing';
import type { AckLedger } from './ack-ledger';
import { consumerGroupLag } from './consumer-lag';
import { createIngestClient, write } from './ingest-client';
import { checkAgainstLedger, describeCheck, type LedgerCheck } from './ledger-check';
import { LoadGenerator } from './load-generator';
import type { LoadPlan } from './load-plan';
import { PrivateStack } from './private-stack';
import { repoRoot } from './repo-root';
import { TierReader } from './tier-reader';

export type StrataApp = 'ingest' | 'writer' | 'reader' | 'archiver';

/** 1-minute windows with a 1 s grace: windows seal while a test runs. */
export const WINDOW_MS = 60_000;
export const PARTITIONS = 4;
export const WRITER_GROUP = 'strata-writer';

export interface StrataSystemOptions {
  /** Names the temporary directory: `strata-<name>-XXXX`. */
  readonly name: string;
  /** Settings added to the ingest process' environment, e.g. STRATA_MAX_REQUEST_BYTES. */
  readonly ingestEnv?: Readonly<Record<string, string>>;
  /** Keep the directory (data, logs) after stop(), for a post-mortem. @default false */
  readonly keepDir?: boolean;
  /** The environment to inherit (PATH, JAVA_HOME...); STRATA_* settings in it are dropped. */
  readonly baseEnv: NodeJS.ProcessEnv;
  /** The stack's services; add `s3` to run the reader's cold tier or the archiver. @default kafka, redis, dynamodb */
  readonly services?: readonly ServiceName[];
}

/**
 * Strata on real processes: a private stack (Kafka with 4 partitions, Redis, DynamoDB
 * Local, and S3 (versitygw) if asked for) plus the built ingest, and any number of writers,
 * readers and one-shot archiver runs, all on free ports under one temporary directory.
 * stop() removes every process and the directory, and an exit hook SIGKILLs what is left
 * should the test process end without it.
 */
export class StrataSystem {
  readonly tenant = 'acme';
  readonly apiKey = 'system-test-key';
  ingest!: ServiceProcess;
  private readonly processes: ServiceProcess[] = [];
  private readonly loads: LoadGenerator[] = [];
  private clients: { ingest?: IngestServiceClient; redis?: Redis; dynamo?: DynamoDBClient; admin?: Admin } = {};
  private readonly onExit = () => this.killNow();
  private failed = false;

  private constructor(
    private readonly options: StrataSystemOptions,
    readonly dir: string,
    readonly stack: PrivateStack,
  ) {
    process.once('exit', this.onExit);
  }

  static async start(options: StrataSystemOptions): Promise<StrataSystem> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `strata-${options.name}-`));
    const stateDir = path.join(dir, 'stack');
    let stack: PrivateStack;
    try {
      stack = await PrivateStack.start({ stateDir, baseEnv: options.baseEnv, kafkaPartitions: PARTITIONS, services: options.services });
    } catch (error) {
      await PrivateStack.cleanUp(stateDir, options.baseEnv).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    const system = new StrataSystem(options, dir, stack);
    try {
      system.ingest = await system.startService('ingest', 'ingest', { env: options.ingestEnv });
    } catch (error) {
      await system.stop();
      throw error;
    }
    return system;
  }

  /** Starts a writer (main group unless `--replay-from` is in args); by default waits until it serves. */
  startWriter(name: string, options: { args?: readonly string[]; env?: Readonly<Record<string, string>>; waitServing?: boolean } = {}): Promise<ServiceProcess> {
    return this.startService(name, 'writer', options);
  }

  /**
   * Starts a new ingest process once the old one has stopped or was killed (e.g. a restart
   * of everything); `ingest` and client() use it from then on.
   */
  async startIngestAgain(name: string): Promise<ServiceProcess> {
    this.clients.ingest?.close();
    delete this.clients.ingest;
    // The HTTP API port stays: a remote-write sender retries the same URL.
    this.ingest = await this.startService(name, 'ingest', { env: this.options.ingestEnv, httpApiPort: this.ingest.options.httpApiPort });
    return this.ingest;
  }

  /** Ingest's HTTP API, e.g. `${ingestHttpUrl}/api/v1/write` for Prometheus remote write. */
  get ingestHttpUrl(): string {
    return `http://127.0.0.1:${this.ingest.options.httpApiPort}`;
  }

  /** Starts a reader (QueryService) and waits until it serves. */
  startReader(name: string, env?: Readonly<Record<string, string>>): Promise<ServiceProcess> {
    return this.startService(name, 'reader', { env });
  }

  /**
   * Runs the archiver's one-shot command (`--once`) to its end and returns the finished
   * process (its log and exit). Throws, quoting its log tail, unless it exits 0.
   */
  async archiveOnce(name: string, env?: Readonly<Record<string, string>>, timeoutMs = 180_000): Promise<ServiceProcess> {
    const archiver = await this.startService(name, 'archiver', { args: ['--once'], env, waitServing: false });
    const exit = await archiver.waitForExit(timeoutMs);
    if (exit.code !== 0) throw new Error(`${name} --once exited with ${exit.code ?? exit.signal}; log tail:\n${archiver.logTail()}`);
    return archiver;
  }

  /**
   * Runs a spec body; if it throws, stop() first saves the service logs under
   * `dist/system-tests/` (the temporary directory is removed all the same).
   */
  async saveLogsOnFailure(body: (system: this) => Promise<void>): Promise<void> {
    try {
      await body(this);
    } catch (error) {
      this.failed = true;
      throw error;
    }
  }

  /** Starts writing `plan` through the ingest process as this system's tenant; stop() ends it too. */
  startLoad(plan: LoadPlan, ledger: AckLedger, tickIntervalMs = 100): LoadGenerator {
    const load = new LoadGenerator({ client: this.client(), tenant: this.tenant, apiKey: this.apiKey, plan, ledger, tickIntervalMs });
    this.loads.push(load);
    load.start();
    return load;
  }

  /** The ingest client (one channel, closed by stop()). */
  client(): IngestServiceClient {
    return (this.clients.ingest ??= createIngestClient(this.ingest.grpcAddress));
  }

  redis(): Redis {
    if (!this.clients.redis) {
      this.clients.redis = createRedis({ url: this.stack.clientEnv['STRATA_REDIS_URL']!, maxRetriesPerRequest: 1 });
      this.clients.redis.on('error', () => undefined); // a killed Redis is expected in fault tests; calls still fail
    }
    return this.clients.redis;
  }

  /** The DynamoDB warm table, read directly. */
  warmStore(): DynamoWarmStore {
    this.clients.dynamo ??= createDynamoDb({ endpoint: this.stack.clientEnv['STRATA_DYNAMODB_ENDPOINT'], region: 'us-east-1' });
    return new DynamoWarmStore(this.clients.dynamo, { tableName: this.stack.clientEnv['STRATA_DYNAMODB_TABLE']! });
  }

  tiers(): TierReader {
    return new TierReader(this.redis(), this.warmStore(), WINDOW_MS);
  }

  /**
   * Writes `series` in one request as this system's tenant and waits until the writer has
   * consumed it and sealed every due window (DynamoDB holds it). Throws unless every point
   * was acknowledged.
   */
  async writeAndSeal(series: Series[], timeoutMs = 60_000): Promise<void> {
    const outcome = await write(this.client(), this.apiKey, { series });
    if (!outcome.ok) throw new Error(`Write failed: ${outcome.error.message}`);
    if (outcome.response.rejections.length > 0) throw new Error(`Write refused points: ${JSON.stringify(outcome.response.rejections.slice(0, 3))}`);
    await this.waitForCatchUp(timeoutMs);
    await pollUntil(async () => ((await this.dueWindows()) === 0 ? true : undefined), { what: 'every due window to be sealed', timeoutMs, intervalMs: 200 });
  }

  /** Records the writer group has yet to commit. */
  async consumerLag(groupId = WRITER_GROUP): Promise<number> {
    if (!this.clients.admin) {
      const kafka = createKafka({ brokers: [this.stack.clientEnv['STRATA_KAFKA_BROKERS']!], clientId: 'system-tests', topic: this.topic, logLevel: 'nothing' });
      this.clients.admin = kafka.admin();
      await this.clients.admin.connect();
    }
    return consumerGroupLag(this.clients.admin, groupId, this.topic);
  }

  /** Waits until the writer group has committed everything in the topic. */
  async waitForCatchUp(timeoutMs: number, groupId = WRITER_GROUP): Promise<void> {
    let lag = -1;
    await pollUntil(async () => ((lag = await this.consumerLag(groupId)) === 0 ? true : undefined), {
      what: `consumer group ${groupId} to catch up`,
      timeoutMs,
      intervalMs: 500,
      describe: () => `lag ${lag} records`,
    });
  }

  /** Windows waiting to be sealed, straight from the due sets in Redis (the writer's gauge counts the same). */
  async dueWindows(): Promise<number> {
    const counts = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => this.redis().zcard(hotKeys.due(p))));
    return counts.reduce((a, b) => a + b, 0);
  }

  /**
   * A gauge or counter of a process' /metrics, summed over its label sets: 0 for a family it
   * declares without samples, undefined for one it does not export. A line that is not
   * Prometheus text fails the test.
   */
  async metric(service: ServiceProcess, name: string): Promise<number | undefined> {
    return MetricSnapshot.parse(await service.metrics(), { strict: true }).sum(name);
  }

  /** Compares what the tiers hold with what was acknowledged; `warm` ignores Redis entirely. */
  async check(ledger: AckLedger, tier: 'union' | 'warm' = 'union'): Promise<LedgerCheck> {
    const merged = await this.tiers().read(ledger.allSeries());
    const stored = new Map([...merged].map(([id, m]) => [id, { points: tier === 'union' ? m.union : m.warm, anomalies: m.anomalies }]));
    return checkAgainstLedger(ledger.allSeries(), stored);
  }

  /** Polls check() until it passes; on timeout fails with what was still wrong. */
  async waitForLedger(ledger: AckLedger, options: { tier?: 'union' | 'warm'; timeoutMs: number }): Promise<LedgerCheck> {
    let last: LedgerCheck | undefined;
    return pollUntil(
      async () => {
        last = await this.check(ledger, options.tier);
        return last.ok ? last : undefined;
      },
      { what: `the ${options.tier ?? 'union'} tier(s) to hold every acknowledged point`, timeoutMs: options.timeoutMs, intervalMs: 1_000, describe: () => (last ? describeCheck(last) : 'no check yet') },
    );
  }

  /** Stops every process and client, the private stack, and removes the directory. Safe to call twice. */
  async stop(): Promise<void> {
    process.off('exit', this.onExit);
    await Promise.all(this.loads.map((l) => l.stop()));
    await Promise.all(this.processes.map((p) => p.stop(5_000)));
    this.clients.ingest?.close();
    this.clients.redis?.disconnect();
    this.clients.dynamo?.destroy();
    await this.clients.admin?.disconnect().catch(() => undefined);
    this.clients = {};
    if (this.failed) this.saveLogs();
    try {
      await this.stack.stop({ keepStateDir: this.options.keepDir });
    } finally {
      if (!this.options.keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private saveLogs(): void {
    const target = path.join(repoRoot(), 'dist', 'system-tests', `${this.options.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    fs.cpSync(path.join(this.dir, 'logs'), target, { recursive: true });
    fs.cpSync(path.join(this.stack.stateDir, 'stack.log'), path.join(target, 'stack.log'));
    process.stdout.write(`[${this.options.name}] failed: service logs saved in ${target}\n`);
  }

  private get topic(): string {
    return this.stack.clientEnv['STRATA_KAFKA_TOPIC']!;
  }

  private async startService(
    name: string,
    app: StrataApp,
    options: { args?: readonly string[]; env?: Readonly<Record<string, string>>; waitServing?: boolean; httpApiPort?: number },
  ): Promise<ServiceProcess> {
    const [grpcPort, opsPort, freeHttpPort] = await freePorts(3);
    const httpApiPort = options.httpApiPort ?? freeHttpPort;
    const service = ServiceProcess.spawn({
      name,
      app,
      args: options.args,
      grpcPort,
      opsPort,
      httpApiPort,
      workspace: repoRoot(),
      logFile: path.join(this.dir, 'logs', `${name}.log`),
      env: {
        ...Object.fromEntries(Object.entries(this.options.baseEnv).filter(([key]) => !key.startsWith('STRATA_'))),
        ...this.stack.clientEnv,
        STRATA_API_KEYS: `${this.apiKey}:${this.tenant}`,
        STRATA_WINDOW_MS: String(WINDOW_MS),
        STRATA_SEAL_GRACE_MS: '1000',
        STRATA_SEAL_INTERVAL_MS: '200',
        // Late windows (tests that write the past) sealed a second after their first point, not 30 s.
        STRATA_RESEAL_DELAY_MS: '1000',
        STRATA_LOG_LEVEL: 'info',
        ...options.env,
      },
    });
    this.processes.push(service);
    if (options.waitServing ?? true) await service.waitServing();
    return service;
  }

  /** Last resort when the test process exits without stop(): SIGKILL everything we started. */
  private killNow(): void {
    for (const p of this.processes) {
      try {
        if (p.running) process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.stack.killNow();
  }
}
