import * as fs from 'node:fs';
import { EnvReader, type Env } from '@strata/runtime';
import { DAY_MS, HOUR_MS, readRetentionEnv } from '@strata/storage';
import { readHotEnv } from '@strata/storage/hot';
import { readWarmEnv } from '@strata/storage/warm';
import { CostInputError } from './errors';

/** What the operator runs: the load the bill is for. */
export interface Load {
  readonly series: number;
  readonly intervalSeconds: number;
  readonly retentionDays: number;
  /** New series per day, as a share of the active series (pods replaced, hosts recycled). */
  readonly churnPerDay: number;
  readonly queriesPerSecond: number;
  readonly seriesPerQuery: number;
  readonly queryRangeHours: number;
  /** Share of queries that reach past the hot span into DynamoDB. */
  readonly queryWarmShare: number;
  /** Share of queries that reach past the warm span into S3. */
  readonly queryColdShare: number;
}

/** How Strata is set up for it: the tiers' settings and the choices the bill makes. */
export interface Setup {
  /** STRATA_WINDOW_MS. */
  readonly windowMs: number;
  /** STRATA_HOT_RETENTION_MS: how long sealed windows stay in Redis. */
  readonly hotRetentionMs: number;
  /** STRATA_WARM_SPAN_DAYS. */
  readonly warmSpanDays: number;
  /** The topic's retention.ms (the writer refuses less than 48 h). @default 7 days, Kafka's default */
  readonly logRetentionHours: number;
  /** @default 3 */
  readonly replicationFactor: number;
  /** MSK brokers, or Kafka on EC2 instances with gp3 volumes. @default msk */
  readonly kafka: 'msk' | 'ec2';
  /** Replicas per Redis shard. @default 1 (Multi-AZ failover) */
  readonly redisReplicas: number;
  /** Share of a Redis node's memory kept free (ElastiCache reserves 25 % by default). @default 0.25 */
  readonly redisHeadroom: number;
  /** @default auto: the cheaper of the two */
  readonly dynamodbMode: 'auto' | 'on-demand' | 'provisioned';
  /** Average use of provisioned units, and of vCPUs: capacity is bought at average / this. @default 0.7 */
  readonly targetUtilisation: number;
  /** EKS control planes paid for Strata alone (0 when it shares a cluster). @default 1 */
  readonly eksClusters: number;
  /**
   * Which archive-bench dataset's S3 bytes per point stand for the load: the 2-decimal
   * gauge is the figure the project quotes; full-precision floats take about 4.6 times as
   * much. @default gauge
   */
  readonly s3Dataset: 'gauge' | 'counter' | 'float' | 'mean';
}

export interface CostInput {
  readonly load: Load;
  readonly setup: Setup;
  /** Where the load came from: a preset, a file, flags. */
  readonly origin: string;
}

/** The worked examples of docs/cost.md: 10k, 1M and 10M active series at 60 s for 460 days. */
export const PRESETS: Readonly<Record<string, Load>> = {
  '10k': { series: 10_000, intervalSeconds: 60, retentionDays: 460, churnPerDay: 0.01, queriesPerSecond: 1, seriesPerQuery: 20, queryRangeHours: 6, queryWarmShare: 0.05, queryColdShare: 0.01 },
  '1m': { series: 1_000_000, intervalSeconds: 60, retentionDays: 460, churnPerDay: 0.01, queriesPerSecond: 10, seriesPerQuery: 20, queryRangeHours: 6, queryWarmShare: 0.05, queryColdShare: 0.01 },
  '10m': { series: 10_000_000, intervalSeconds: 60, retentionDays: 460, churnPerDay: 0.01, queriesPerSecond: 50, seriesPerQuery: 20, queryRangeHours: 6, queryWarmShare: 0.05, queryColdShare: 0.01 },
};

/** Strata's shipped settings, read by the tiers' own readers from `env` (so STRATA_WINDOW_MS and friends apply here too). */
export function defaultSetup(env: Env): Setup {
  const reader = new EnvReader(env);
  const hot = readHotEnv(reader);
  const warm = readWarmEnv(reader);
  reader.finish();
  return {
    windowMs: hot.windowMs,
    hotRetentionMs: hot.hotRetentionMs,
    warmSpanDays: warm.warmSpanDays,
    logRetentionHours: 168,
    replicationFactor: 3,
    kafka: 'msk',
    redisReplicas: 1,
    redisHeadroom: 0.25,
    dynamodbMode: 'auto',
    targetUtilisation: 0.7,
    eksClusters: 1,
    s3Dataset: 'gauge',
  };
}

/** STRATA_RETENTION_DAYS as the services read it. */
export function defaultRetentionDays(env: Env): number {
  const reader = new EnvReader(env);
  const days = readRetentionEnv(reader).defaultMs / DAY_MS;
  reader.finish();
  return days;
}

const UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: HOUR_MS, d: DAY_MS };

/** "60s", "4h", "460d", "1.5h"; a bare number is in `bareUnit`. */
export function parseDurationMs(flag: string, text: string, bareUnit: keyof typeof UNITS_MS): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new CostInputError(flag, `"${text}" is not a duration (e.g. 60s, 4h, 460d)`);
  const ms = Number(m[1]) * UNITS_MS[m[2] ?? bareUnit];
  if (!(ms > 0)) throw new CostInputError(flag, `"${text}" must be longer than 0`);
  return ms;
}

/** "1000000", "1e6", "1_000_000", "10k", "1M". */
export function parseCount(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmM]?)$/.exec(text.trim().replace(/[_,]/g, ''));
  if (!m) throw new CostInputError(flag, `"${text}" is not a number`);
  return Number(m[1]) * ({ '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 } as Record<string, number>)[m[2]];
}

function share(flag: string, text: string): number {
  const value = Number(text.trim().replace(/%$/, '')) / (text.trim().endsWith('%') ? 100 : 1);
  if (!(value >= 0 && value <= 1)) throw new CostInputError(flag, `"${text}" must be a share between 0 and 1 (or 0% to 100%)`);
  return value;
}

function oneOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new CostInputError(flag, `"${text}" must be one of ${allowed.join(', ')}`);
  return text as T;
}

function nonNegative(flag: string, text: string): number {
  const value = parseCount(flag, text);
  if (!(value >= 0)) throw new CostInputError(flag, `"${text}" must be >= 0`);
  return value;
}

type Apply = (input: { load: Load; setup: Setup }, value: string) => { load: Load; setup: Setup };
const load = (f: (value: string, flag: string) => Partial<Load>, flag: string): Apply => (i, v) => ({ ...i, load: { ...i.load, ...f(v, flag) } });
const setup = (f: (value: string, flag: string) => Partial<Setup>, flag: string): Apply => (i, v) => ({ ...i, setup: { ...i.setup, ...f(v, flag) } });

/** Every flag, what it sets, and its help line. */
export const FLAGS: ReadonlyArray<{ readonly flag: string; readonly help: string; readonly apply: Apply }> = [
  { flag: '--series', help: 'active series (10k, 1M, 1e7)', apply: load((v, f) => ({ series: positive(f, parseCount(f, v)) }), '--series') },
  { flag: '--interval', help: 'scrape interval (60s, 15s)', apply: load((v, f) => ({ intervalSeconds: parseDurationMs(f, v, 's') / 1_000 }), '--interval') },
  { flag: '--retention', help: 'retention (460d)', apply: load((v, f) => ({ retentionDays: parseDurationMs(f, v, 'd') / DAY_MS }), '--retention') },
  { flag: '--churn', help: 'new series per day as a share of the active ones (0.01, 1%)', apply: load((v, f) => ({ churnPerDay: share(f, v) }), '--churn') },
  { flag: '--queries-per-second', help: 'queries per second', apply: load((v, f) => ({ queriesPerSecond: nonNegative(f, v) }), '--queries-per-second') },
  { flag: '--series-per-query', help: 'series each query reads', apply: load((v, f) => ({ seriesPerQuery: nonNegative(f, v) }), '--series-per-query') },
  { flag: '--query-range', help: 'time range of a query (6h)', apply: load((v, f) => ({ queryRangeHours: parseDurationMs(f, v, 'h') / HOUR_MS }), '--query-range') },
  { flag: '--query-warm-share', help: 'share of queries reaching DynamoDB', apply: load((v, f) => ({ queryWarmShare: share(f, v) }), '--query-warm-share') },
  { flag: '--query-cold-share', help: 'share of queries reaching S3', apply: load((v, f) => ({ queryColdShare: share(f, v) }), '--query-cold-share') },
  { flag: '--window', help: 'window length (STRATA_WINDOW_MS; 4h)', apply: setup((v, f) => ({ windowMs: parseDurationMs(f, v, 'ms') }), '--window') },
  { flag: '--hot-retention', help: 'sealed windows kept in Redis (STRATA_HOT_RETENTION_MS; 26h)', apply: setup((v, f) => ({ hotRetentionMs: parseDurationMs(f, v, 'ms') }), '--hot-retention') },
  { flag: '--warm-span', help: 'days in DynamoDB before S3 (STRATA_WARM_SPAN_DAYS; 14d)', apply: setup((v, f) => ({ warmSpanDays: parseDurationMs(f, v, 'd') / DAY_MS }), '--warm-span') },
  { flag: '--log-retention', help: 'Kafka topic retention (7d; at least 48h)', apply: setup((v, f) => ({ logRetentionHours: parseDurationMs(f, v, 'h') / HOUR_MS }), '--log-retention') },
  { flag: '--kafka', help: 'msk or ec2 (brokers on instances)', apply: setup((v, f) => ({ kafka: oneOf(f, v, ['msk', 'ec2'] as const) }), '--kafka') },
  { flag: '--redis-replicas', help: 'replicas per Redis shard (1)', apply: setup((v, f) => ({ redisReplicas: nonNegative(f, v) }), '--redis-replicas') },
  { flag: '--dynamodb', help: 'auto, on-demand or provisioned', apply: setup((v, f) => ({ dynamodbMode: oneOf(f, v, ['auto', 'on-demand', 'provisioned'] as const) }), '--dynamodb') },
  { flag: '--eks-clusters', help: 'EKS control planes charged to Strata (1; 0 on a shared cluster)', apply: setup((v, f) => ({ eksClusters: nonNegative(f, v) }), '--eks-clusters') },
  { flag: '--s3-dataset', help: 'archive-bench dataset for S3 bytes per point: gauge, counter, float, mean', apply: setup((v, f) => ({ s3Dataset: oneOf(f, v, ['gauge', 'counter', 'float', 'mean'] as const) }), '--s3-dataset') },
];

function positive(flag: string, value: number): number {
  if (!(value > 0)) throw new CostInputError(flag, `must be more than 0`);
  return value;
}

/**
 * The load and setup from the command line: `--preset` (default 1m) or `--load file.json`
 * (a Load, every field optional over the preset), then flags over both, in order.
 */
export function parseCostArgs(argv: readonly string[], env: Env): CostInput & { readonly figuresFile?: string } {
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (!flag.startsWith('--')) throw new CostInputError(argv[i], 'is not a flag (see --help)');
    const value = inline ?? argv[++i];
    if (value === undefined) throw new CostInputError(flag, 'needs a value');
    values.set(flag, [...(values.get(flag) ?? []), value]);
  }
  const known = new Set(['--preset', '--load', '--figures', ...FLAGS.map((f) => f.flag)]);
  for (const flag of values.keys()) if (!known.has(flag)) throw new CostInputError(flag, 'is not a known flag (see --help)');
  const presetName = values.get('--preset')?.at(-1) ?? '1m';
  const preset = PRESETS[presetName.toLowerCase()];
  if (!preset) throw new CostInputError('--preset', `"${presetName}" is not one of ${Object.keys(PRESETS).join(', ')}`);
  let input = { load: { ...preset, retentionDays: values.has('--preset') ? preset.retentionDays : defaultRetentionDays(env) }, setup: defaultSetup(env) };
  const origins = [`preset ${presetName}`];
  const file = values.get('--load')?.at(-1);
  if (file !== undefined) {
    input = { ...input, load: { ...input.load, ...readLoadFile(file) } };
    origins.push(file);
  }
  for (const { flag, apply } of FLAGS) {
    for (const value of values.get(flag) ?? []) {
      input = apply(input, value);
      origins.push(`${flag} ${value}`);
    }
  }
  validateSetup(input.setup);
  const figuresFile = values.get('--figures')?.at(-1);
  return { ...input, origin: origins.join(', '), ...(figuresFile !== undefined && { figuresFile }) };
}

function readLoadFile(file: string): Partial<Load> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new CostInputError('--load', `cannot read ${file} (${error instanceof Error ? error.message : String(error)})`);
  }
  const fields = Object.keys(PRESETS['1m']);
  for (const [key, value] of Object.entries(json)) {
    if (!fields.includes(key)) throw new CostInputError(`${file}: ${key}`, `is not a load field (${fields.join(', ')})`);
    if (typeof value !== 'number' || !(value >= 0)) throw new CostInputError(`${file}: ${key}`, 'must be a number >= 0');
  }
  return json as Partial<Load>;
}

function validateSetup(s: Setup): void {
  if (DAY_MS % s.windowMs !== 0) throw new CostInputError('--window', `${s.windowMs} ms must divide a day, as STRATA_WINDOW_MS must`);
  if (s.logRetentionHours < 48) throw new CostInputError('--log-retention', `${s.logRetentionHours} h is below the 48 h the writer requires (STRATA_MIN_LOG_RETENTION_HOURS)`);
}
