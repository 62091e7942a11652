import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hotKeys, type Redis } from '@strata/storage/hot';
import { DAY_MS } from '@strata/storage';
import { BlockKind, createColdS3, openBlock } from '@strata/storage/cold';
import { createDynamoDb } from '@strata/storage/warm';
import { StrataSystem } from '@strata/system-tests';
import { pollUntil } from '@strata/testing';
import { scanChunkSizes } from '../probes';
import { startPeerProcess } from '../peer-process';
import { processesUnder } from '../proc-cpu';

const workspace = path.resolve(__dirname, '../../../..');

/** A way to query a system for the time-to-readable probe: VictoriaMetrics has two. */
export interface FreshnessVariant {
  readonly label: string;
  /** Added to each query's parameters, e.g. `&latency_offset=0s`. */
  readonly params: string;
}

/** What is stored at rest, one figure per place (a tier, a data directory). */
export interface AtRest {
  readonly where: string;
  readonly bytes: number;
  /** The points those bytes hold, where the system says; otherwise every sample written. */
  readonly points?: number;
  /** The bytes hold every point older than this (an archive of whole days): the points are counted from the dataset. */
  readonly olderThanMs?: number;
  /** The figure the table compares (one per system; the only one where there is one). */
  readonly compared?: boolean;
  /** A row of its own under the compared one, with this label (Strata's parts of its figure). */
  readonly row?: string;
}

/** One system under comparison: where remote write goes, where PromQL is asked, which processes it costs. */
export interface VersusSystem {
  readonly name: string;
  readonly version: string;
  /** Printed before the table: flags, settings, and why. */
  readonly configuration: readonly string[];
  readonly writePort: number;
  /** Strata's own write path, gRPC Write, besides remote write. */
  readonly grpcAddress?: string;
  readonly apiKey: string;
  /** The Prometheus HTTP API, `<queryBase>/api/v1/query_range`. */
  readonly queryBase: string;
  readonly queryHeaders: Readonly<Record<string, string>>;
  readonly freshness: readonly FreshnessVariant[];
  /** The system's own processes. */
  ownPids(): number[];
  /** What it needs besides (Strata: Kafka, Redis, DynamoDB Local); none for a single-binary peer. */
  dependencyPids(): number[];
  /**
   * Waits until what was acknowledged is where queries read it: `committed`, the writer has
   * committed it (Strata), a flush (VictoriaMetrics); `stored`, also sealed into its
   * long-term tier (Strata: every due window in DynamoDB).
   */
  settle(level: 'committed' | 'stored'): Promise<void>;
  /** Moves what is old enough to the long-term tier (Strata: the archiver's one-shot run to S3); a line saying what it did. */
  archive?(): Promise<string>;
  atRest(): Promise<AtRest[]>;
  stop(): Promise<void>;
  /** Strata only: its Redis and the tenant the API key writes as, to see when the writer has projected a write. */
  readonly hot?: { readonly redis: () => Redis; readonly tenant: string };
}

export interface VersusSettings {
  /** The longest span of data written (backfilled), in days: retention and out-of-order windows cover it. */
  readonly spanDays: number;
  readonly dir: string;
}

function duBytes(dir: string): number {
  const out = execFileSync('du', ['-sb', dir], { encoding: 'utf8' });
  return Number(out.split('\t')[0]);
}

function cacheBin(name: string): string {
  const bin = path.join(process.env['STRATA_CACHE_DIR'] ?? path.join(workspace, '.cache'), 'bin', name);
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: install the peers with bash tools/bin/peers.sh`);
  return bin;
}

/** Days a window stays in DynamoDB before the archiver takes it: the shipped default, given to every Strata service. */
const WARM_SPAN_DAYS = 14;

/** The private stack's Kafka partitions (StrataSystem's), one due set each. */
const PARTITIONS = 4;

/** The writer's STRATA_RESEAL_DELAY_MS, its default: a late window is due this long after its first late point. */
const RESEAL_DELAY_MS = 30_000;

/**
 * Windows whose seal is due by now, or that wait for the reseal delay (the due sets score
 * each window by its due time, a late one by its first late point plus the delay; open
 * windows wait in them too).
 */
async function dueNow(system: StrataSystem): Promise<number> {
  const now = Date.now() + RESEAL_DELAY_MS;
  const counts = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => system.redis().zcount(hotKeys.due(p), '-inf', now)));
  return counts.reduce((a, b) => a + b, 0);
}

/** Settings to add for an A/B run: space-separated NAME=value pairs from the environment variable `name`. */
export function envSettings(name: string): Record<string, string> {
  const pairs = (process.env[name] ?? '').split(/\s+/).filter((p) => p !== '');
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`${name}: "${pair}" is not NAME=value`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** `ingestEnv`, `writerEnv`: settings of ingest's and the writer's to compare (the ingest-profile bench's A/B). */
export async function startStrata(ingestEnv: Record<string, string> = {}, writerEnv: Record<string, string> = {}): Promise<VersusSystem> {
  const rates = { STRATA_TENANT_POINTS_PER_SECOND: '1000000000', STRATA_TENANT_BYTES_PER_SECOND: '100000000000' };
  const system = await StrataSystem.start({
    name: 'bench-versus',
    baseEnv: process.env,
    services: ['kafka', 'redis', 'dynamodb', 's3'],
    ingestEnv: { STRATA_LOG_LEVEL: 'warn', ...rates, ...ingestEnv },
  });
  try {
    // The shipped 4 h window (the system-test harness's default is 1 minute, for quick seals).
    const shipped = { STRATA_WINDOW_MS: '14400000', STRATA_SEAL_GRACE_MS: '300000', STRATA_RESEAL_DELAY_MS: String(RESEAL_DELAY_MS), STRATA_WARM_SPAN_DAYS: String(WARM_SPAN_DAYS), STRATA_LOG_LEVEL: 'warn' };
    const writer = await system.startWriter('writer', { env: { ...shipped, ...writerEnv } });
    // One tenant carries every client: it may use the whole reader (its global limit of reads in flight, 64).
    const readerEnv = { ...shipped, STRATA_READ_TENANT_POINTS_PER_SECOND: '1000000000', STRATA_READ_TENANT_CONCURRENCY: '64', ...envSettings('BENCH_VERSUS_READER_ENV') };
    const reader = await system.startReader('reader', readerEnv);
    // As bench.sh built the services; a commit checked out since does not name them.
    const commit = process.env['STRATA_BENCH_BUILT_FROM'] ?? execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: workspace, encoding: 'utf8' }).trim();
    const version = (JSON.parse(fs.readFileSync(path.join(workspace, 'package.json'), 'utf8')) as { version: string }).version;
    const stackPids = processesUnder(system.stack.stateDir);
    const stackNames = stackPids.map((pid) => fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
    return {
      name: 'Strata',
      version: `Strata ${version} (${commit})`,
      configuration: [
        `ingest, writer, reader built from this tree; private stack: ${stackNames.join(', ')} (Kafka 4 partitions, acks = all)`,
        `writer, reader, archiver: ${Object.entries(shipped).map(([k, v]) => `${k}=${v}`).join(' ')} (the shipped window and warm span); the archiver runs once (--once) after the backfill, STRATA_ARCHIVE_DELETE_DELAY_MS=0`,
        `ingest and reader tenant rates raised (${Object.keys(rates).join(', ')}, STRATA_READ_TENANT_POINTS_PER_SECOND) and the tenant's reads in flight set to the reader's global limit (STRATA_READ_TENANT_CONCURRENCY=64, default 4): one tenant carries the whole load`,
      ],
      writePort: system.ingest.options.httpApiPort!,
      grpcAddress: system.ingest.grpcAddress,
      apiKey: system.apiKey,
      queryBase: `http://127.0.0.1:${reader.options.httpApiPort}`,
      queryHeaders: { authorization: `Bearer ${system.apiKey}` },
      freshness: [{ label: '', params: '' }],
      ownPids: () => [system.ingest.pid, writer.pid, reader.pid],
      dependencyPids: () => stackPids,
      hot: { redis: () => system.redis(), tenant: system.tenant },
      settle: async (level) => {
        await system.waitForCatchUp(300_000);
        if (level === 'stored') await pollUntil(async () => ((await dueNow(system)) === 0 ? true : undefined), { what: 'every due window to be sealed', timeoutMs: 300_000, intervalMs: 500 });
      },
      archive: async () => {
        const began = performance.now();
        await system.archiveOnce('archiver', { ...shipped, STRATA_ARCHIVE_DELETE_DELAY_MS: '0' }, 600_000);
        return `archiver --once in ${((performance.now() - began) / 1_000).toFixed(0)} s`;
      },
      atRest: async () => {
        const env = system.stack.clientEnv;
        const dynamo = createDynamoDb({ endpoint: env['STRATA_DYNAMODB_ENDPOINT'], region: 'us-east-1' });
        const s3 = createColdS3({ endpoint: env['STRATA_S3_ENDPOINT'], region: 'us-east-1', bucket: env['STRATA_S3_BUCKET']!, forcePathStyle: true, prefix: '' });
        try {
          const warm = await scanChunkSizes(dynamo, env['STRATA_DYNAMODB_TABLE']!, () => 'all');
          const { keys } = await s3.store.list(`v1/${system.tenant}/`);
          // What the S3 bytes are: raw points (day blocks' raw parts), stored rollups (the
          // day blocks' 5 m, 1 h and 1 d parts, month and year blocks), and the rest (block
          // headers and indexes, manifests, catalogs).
          let cold = 0;
          let raw = 0;
          let rollups = 0;
          for (const key of keys) {
            const bytes = await s3.store.get(key);
            if (!bytes) continue;
            cold += bytes.length;
            if (!key.endsWith('.stb')) continue;
            const { index } = openBlock(bytes);
            for (const { lengths } of index.entries) {
              if (index.identity.kind === BlockKind.Day) raw += lengths.raw;
              else rollups += lengths.raw;
              rollups += lengths.m5 + lengths.h1 + lengths.d1;
            }
          }
          // The archiver takes every whole UTC day that ended STRATA_WARM_SPAN_DAYS ago or earlier.
          const olderThanMs = (Math.floor(Date.now() / DAY_MS) - WARM_SPAN_DAYS) * DAY_MS;
          return [
            { where: `S3, the archived days with their rollups and indexes (${keys.length} objects)`, bytes: cold, olderThanMs, compared: true },
            { where: 'S3, of which the raw points of the day blocks', bytes: raw, olderThanMs, row: "Strata's S3: raw points" },
            { where: 'S3, of which stored rollups (5 m, 1 h, 1 d rows of day, month and year blocks)', bytes: rollups, olderThanMs, row: "Strata's S3: stored rollups" },
            {
              where: `DynamoDB chunks, sealed windows not archived (${warm.items} items; ${warm.itemBytes} bytes with keys and attributes)`,
              bytes: warm.chunkBytes,
              points: warm.points,
              row: "Strata's DynamoDB chunks",
            },
          ];
        } finally {
          dynamo.destroy();
          s3.client.destroy();
        }
      },
      stop: () => system.stop(),
    };
  } catch (error) {
    await system.stop();
    throw error;
  }
}

/**
 * The module and version a Go binary was built from (`go version -m`): binaries built with
 * `go install` carry no version stamp of their own. Undefined for a binary from elsewhere.
 */
function goModuleVersion(bin: string): string | undefined {
  try {
    const info = execFileSync('go', ['version', '-m', bin], { encoding: 'utf8' });
    const mod = /^\s+mod\s+(\S+)\s+(\S+)/m.exec(info);
    return mod ? `${mod[1]}@${mod[2]}` : undefined;
  } catch {
    return undefined;
  }
}

function peerVersion(bin: string, name: string, versionFlag: string): string {
  const module = goModuleVersion(fs.realpathSync(bin));
  if (module) return `${name} ${module.slice(module.lastIndexOf('@') + 1)} (built from ${module} by tools/bin/peers.sh)`;
  const reported = execFileSync(bin, [versionFlag], { encoding: 'utf8' }).split('\n')[0].trim();
  return `${name}: ${reported || 'version unknown'} (${fs.realpathSync(bin)})`;
}

export async function startVictoriaMetrics(settings: VersusSettings): Promise<VersusSystem> {
  const bin = cacheBin('victoria-metrics');
  const data = path.join(settings.dir, 'victoria-metrics');
  const retentionDays = settings.spanDays + 2;
  const flags = [`-storageDataPath=${data}`, `-retentionPeriod=${retentionDays}d`, '-loggerLevel=WARN'];
  const peer = await startPeerProcess({ name: 'victoria-metrics', bin, dir: settings.dir, readyPath: '/health', args: (port) => [...flags, `-httpListenAddr=127.0.0.1:${port}`] });
  const flush = async () => {
    const res = await fetch(`${peer.base}/internal/force_flush`);
    if (!res.ok) throw new Error(`victoria-metrics /internal/force_flush: ${res.status}`);
  };
  return {
    name: 'VictoriaMetrics',
    version: peerVersion(bin, 'VictoriaMetrics', '-version'),
    configuration: [
      `single node, defaults but ${flags.map((f) => f.replace(data, '<tmp>')).join(' ')} (retention covers the backfilled span)`,
      'search.latencyOffset left at its default (30 s): time-to-readable is measured with it and with latency_offset=1ms per query (the least it takes)',
    ],
    writePort: peer.port,
    apiKey: 'unused',
    queryBase: peer.base,
    queryHeaders: {},
    freshness: [
      { label: 'default 30 s latency offset', params: '' },
      // The smallest per-query offset it takes (0 is refused), as -search.latencyOffset=0 would be.
      { label: 'latency_offset=1ms', params: '&latency_offset=1ms' },
    ],
    ownPids: () => [peer.pid],
    dependencyPids: () => [],
    settle: flush,
    atRest: async () => {
      await flush();
      const merge = await fetch(`${peer.base}/internal/force_merge`, { signal: AbortSignal.timeout(120_000) });
      return [{ where: `data directory after /internal/force_merge (${merge.status})`, bytes: duBytes(data), compared: true }];
    },
    stop: () => peer.stop(),
  };
}

export async function startPrometheus(settings: VersusSettings): Promise<VersusSystem> {
  const bin = cacheBin('prometheus3');
  const config = path.join(settings.dir, 'prometheus.yml');
  const windowDays = settings.spanDays + 1;
  // Remote-written backfill older than the head's appendable range needs an out-of-order
  // window (storage.tsdb.out_of_order_time_window), and retention must keep it.
  fs.writeFileSync(config, `# npm run bench -- versus: a receiver only, nothing scraped\nglobal:\n  scrape_interval: 1m\nstorage:\n  tsdb:\n    out_of_order_time_window: ${windowDays}d\n`);
  const data = path.join(settings.dir, 'prometheus');
  const flags = [`--storage.tsdb.path=${data}`, `--storage.tsdb.retention.time=${windowDays + 1}d`, '--web.enable-remote-write-receiver', '--log.level=warn'];
  const peer = await startPeerProcess({ name: 'prometheus', bin, dir: settings.dir, readyPath: '/-/ready', args: (port) => [`--config.file=${config}`, ...flags, `--web.listen-address=127.0.0.1:${port}`] });
  return {
    name: 'Prometheus',
    version: peerVersion(bin, 'Prometheus', '--version'),
    configuration: [
      `${flags.map((f) => f.replace(data, '<tmp>')).join(' ')}; storage.tsdb.out_of_order_time_window: ${windowDays}d (the backfill)`,
    ],
    writePort: peer.port,
    apiKey: 'unused',
    queryBase: peer.base,
    queryHeaders: {},
    freshness: [{ label: '', params: '' }],
    ownPids: () => [peer.pid],
    dependencyPids: () => [],
    settle: async () => undefined,
    atRest: async () => [{ where: 'data directory (blocks, head chunks, WAL), as it stands', bytes: duBytes(data), compared: true }],
    stop: () => peer.stop(),
  };
}
