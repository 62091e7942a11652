import { prng } from '@strata/testing';

// The series of Prometheus's demo service (the one the PromQL compliance tester's query file
// is written against): the same names, label sets, types and orders of magnitude, but every
// value a function of the time since start and the instance number, so that a run can be
// repeated and the three instances differ. Requests and batch runs advance on a fixed grid
// of ticks from the start, so the state at a time does not depend on when it is scraped.

/** Requests and the shipping counter advance in steps of this much. */
const TICK_MS = 100;
const CPUS = 4;
const MEMORY_TOTAL = 8 * 1024 ** 3;
const MIB = 1024 ** 2;
const DISK_TOTAL = 160e9;
/** Batch jobs start every minute and run for about ten seconds. */
const BATCH_INTERVAL_S = 60;
const BATCH_FAILURE_RATIO = 0.25;
/** A "day" of the holiday simulation. */
const DAY_S = 300;
const HOLIDAY_RATIO = 0.2;
/** Request rates oscillate over this period. */
const OSCILLATION_S = 3_600;
/** 0.0001 * 1.5^i for i in 0..24, as the demo's ExponentialBuckets(0.0001, 1.5, 25). */
const BUCKETS = Array.from({ length: 25 }, (_, i) => 0.0001 * 1.5 ** i);

interface Endpoint {
  readonly method: string;
  readonly path: string;
  /** Pause between two requests of the client, before the oscillation factor (1..3). */
  readonly pauseMs: number;
  /** Unset: the path does not exist, every request is a 404 at once. */
  readonly serves?: { readonly latencyS: number; readonly errorRatio: number; readonly outageS: number };
}

const ENDPOINTS: readonly Endpoint[] = [
  { method: 'GET', path: '/api/foo', pauseMs: 10, serves: { latencyS: 0.01, errorRatio: 0.005, outageS: 23 } },
  { method: 'POST', path: '/api/foo', pauseMs: 150, serves: { latencyS: 0.02, errorRatio: 0.02, outageS: 60 } },
  { method: 'GET', path: '/api/bar', pauseMs: 20, serves: { latencyS: 0.015, errorRatio: 0.0025, outageS: 13 } },
  { method: 'POST', path: '/api/bar', pauseMs: 100, serves: { latencyS: 0.05, errorRatio: 0.01, outageS: 47 } },
  { method: 'GET', path: '/api/nonexistent', pauseMs: 500 },
];

/** One label set of the request histogram: per-bucket (not cumulative) counts and the sum. */
interface HistogramSeries {
  readonly labels: string;
  readonly buckets: number[];
  count: number;
  sum: number;
}

export interface DemoMetricsOptions {
  /** Tells the instances apart: phases, rates and random streams depend on it. */
  readonly instance: number;
  /** The service's start (Unix ms); counters are 0 there. */
  readonly startMs: number;
}

const TAU = 2 * Math.PI;

/** ∫₀ᵗ (a + b·sin(2π·s/period + phase)) ds: a counter growing at a rate that oscillates. */
function oscillatingIntegral(a: number, b: number, period: number, phase: number, t: number): number {
  const w = TAU / period;
  return a * t - (b / w) * (Math.cos(w * t + phase) - Math.cos(phase));
}

/** A value in [0, 1) fixed by its arguments: the outcome of batch run `n` or day `n`. */
function draw(seed: number, n: number): number {
  return prng((seed * 0x9e3779b1 + n * 0x85ebca6b) >>> 0)();
}

export class DemoMetrics {
  private readonly instance: number;
  private readonly startMs: number;
  private readonly phase: number;
  private readonly random: () => number;
  private readonly histograms = new Map<string, HistogramSeries>();
  /** Requests due but not yet made per endpoint (fractions carry over from tick to tick). */
  private readonly pending: number[] = ENDPOINTS.map(() => 0);
  private ticks = 0;
  private shipped = 0;
  private shippedPending = 0;

  constructor(options: DemoMetricsOptions) {
    this.instance = options.instance;
    this.startMs = options.startMs;
    this.phase = options.instance * 1.7;
    this.random = prng(1_000 + options.instance);
  }

  /** The exposition (Prometheus text format 0.0.4) at `nowMs`, which must not go back in time. */
  render(nowMs: number): string {
    this.advance(nowMs);
    const t = Math.max(0, (nowMs - this.startMs) / 1_000);
    const out: string[] = [];
    const family = (name: string, type: string, help: string, samples: ReadonlyArray<readonly [string, number]>) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) out.push(`${name}${labels} ${formatValue(value)}`);
    };

    family('demo_num_cpus', 'gauge', 'The number of CPUs.', [['', CPUS]]);
    family('demo_cpu_usage_seconds_total', 'counter', 'The CPU usage in seconds split by mode.', this.cpu(t));
    family('demo_memory_usage_bytes', 'gauge', 'The memory usage by type.', this.memory(t));
    family('demo_disk_usage_bytes', 'gauge', 'Disk usage in bytes.', [['', this.diskUsage(t)]]);
    family('demo_disk_total_bytes', 'gauge', 'Total disk space in bytes.', [['', DISK_TOTAL]]);
    this.renderHistogram(out);
    family('demo_api_http_requests_in_progress', 'gauge', 'The current number of API HTTP requests in progress.', [
      ['', Math.round(2 + 2 * Math.sin(TAU * (t / 37) + this.phase))],
    ]);
    for (const [name, help, value] of this.batch(t)) family(name, 'gauge', help, [['', value]]);
    const day = Math.floor(t / DAY_S);
    family('demo_is_holiday', 'gauge', 'Set to 1 if it is currently a holiday, 0 otherwise.', [['', this.isHoliday(day) ? 1 : 0]]);
    family('demo_items_shipped_total', 'counter', "The total number of shipped items. Affected heavily by whether it's currently a holiday.", [['', this.shipped]]);
    // Present in even minutes of the wall clock only: the query file's staleness case.
    if (new Date(nowMs).getUTCMinutes() % 2 === 0) {
      family('demo_intermittent_metric', 'gauge', 'A metric that is only present intermittently to test staleness handling.', [['', 1]]);
    }
    return `${out.join('\n')}\n`;
  }

  private cpu(t: number): Array<[string, number]> {
    const user = CPUS * oscillatingIntegral(0.3, 0.08, 300, this.phase, t);
    const system = CPUS * oscillatingIntegral(0.2, 0.05, 170, this.phase + 1, t);
    return [
      ['{mode="idle"}', CPUS * t - user - system],
      ['{mode="system"}', system],
      ['{mode="user"}', user],
    ];
  }

  private memory(t: number): Array<[string, number]> {
    const around = (base: number, period: number, shift: number) =>
      Math.round(base * (1 + 0.3 * Math.sin(TAU * (t / period) + this.phase + shift) + 0.05 * Math.sin(TAU * (t / 13) + shift)));
    const used = around(1_200 * MIB, 97 + this.instance * 11, 0);
    const cached = around(2_500 * MIB, 241, 2);
    const buffers = around(165 * MIB, 53, 4);
    return [
      ['{type="buffers"}', buffers],
      ['{type="cached"}', cached],
      ['{type="free"}', MEMORY_TOTAL - used - cached - buffers],
      ['{type="used"}', used],
    ];
  }

  /** Grows by ~0.5 MB/s with a wobble; back to 10 % of the disk at 90 %. */
  private diskUsage(t: number): number {
    const grown = oscillatingIntegral(0.5e6 * (1 + 0.2 * this.instance), 0.2e6, 45, this.phase, t);
    return Math.floor(0.1 * DISK_TOTAL + (grown % (0.8 * DISK_TOTAL)));
  }

  /** The gauges a batch job leaves after its latest completed run (0 before the first). */
  private batch(t: number): Array<[string, string, number]> {
    const finish = (n: number) => n * BATCH_INTERVAL_S + 10 + draw(this.instance, n) * 2;
    let last = Math.floor(t / BATCH_INTERVAL_S);
    while (last >= 0 && finish(last) > t) last--;
    let success = last;
    while (success >= 0 && draw(this.instance + 100, success) < BATCH_FAILURE_RATIO) success--;
    const at = (n: number) => (n < 0 ? 0 : this.startMs / 1_000 + finish(n));
    return [
      ['demo_batch_last_success_timestamp_seconds', 'The Unix timestamp in seconds since the last successful demo batch job completion.', at(success)],
      ['demo_batch_last_run_timestamp_seconds', 'The Unix timestamp in seconds since the last demo batch job run.', at(last)],
      ['demo_batch_last_run_duration_seconds', 'The duration in seconds of the last batch job run.', last < 0 ? 0 : finish(last) - (last === 0 ? 0 : finish(last - 1))],
      ['demo_batch_last_run_processed_bytes', 'The number of bytes processed by the demo batch job in the last run.', success < 0 ? 0 : 1.1e6 - Math.floor(draw(this.instance + 200, success) * 1e5)],
    ];
  }

  private isHoliday(day: number): boolean {
    return draw(this.instance + 300, day) < HOLIDAY_RATIO;
  }

  /** Makes the requests and shipments of every tick up to `nowMs`. */
  private advance(nowMs: number): void {
    const due = Math.floor((nowMs - this.startMs) / TICK_MS);
    for (; this.ticks < due; this.ticks++) {
      const t = (this.ticks * TICK_MS) / 1_000;
      const oscillation = 2 + Math.sin(Math.sin(TAU * (t / OSCILLATION_S)));
      ENDPOINTS.forEach((endpoint, i) => {
        this.pending[i] += TICK_MS / (endpoint.pauseMs * oscillation);
        for (; this.pending[i] >= 1; this.pending[i]--) this.request(endpoint, t);
      });
      const shipping = 2 + Math.sin(1 + TAU * (t / DAY_S));
      this.shippedPending += TICK_MS / (100 * shipping * (this.isHoliday(Math.floor(t / DAY_S)) ? 1.8 : 1));
      for (; this.shippedPending >= 1; this.shippedPending--) this.shipped++;
    }
  }

  private request(endpoint: Endpoint, t: number): void {
    const { serves } = endpoint;
    if (!serves) {
      this.observe(endpoint, '404', 0.0002 + this.random() * 0.0003);
      return;
    }
    // The first tenth of every ten outage spans is an outage (one at start-up, as the demo).
    const outage = t % (10 * serves.outageS) < serves.outageS;
    const gaussian = Math.sqrt(-2 * Math.log(1 - this.random())) * Math.cos(TAU * this.random());
    const latency = Math.max(0.000_05, serves.latencyS * (1 + gaussian / 10) * (outage ? 3 : 1));
    const failed = this.random() <= serves.errorRatio * (outage ? 10 : 1);
    this.observe(endpoint, failed ? '500' : '200', latency);
  }

  private observe(endpoint: Endpoint, status: string, seconds: number): void {
    const labels = `method="${endpoint.method}",path="${endpoint.path}",status="${status}"`;
    let series = this.histograms.get(labels);
    if (!series) {
      series = { labels, buckets: BUCKETS.map(() => 0), count: 0, sum: 0 };
      this.histograms.set(labels, series);
    }
    const bucket = BUCKETS.findIndex((le) => seconds <= le);
    if (bucket >= 0) series.buckets[bucket]++;
    series.count++;
    series.sum += seconds;
  }

  private renderHistogram(out: string[]): void {
    const name = 'demo_api_request_duration_seconds';
    out.push(`# HELP ${name} A histogram of the API HTTP request durations in seconds.`, `# TYPE ${name} histogram`);
    for (const labels of [...this.histograms.keys()].sort()) {
      const series = this.histograms.get(labels)!;
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += series.buckets[i];
        out.push(`${name}_bucket{${labels},le="${formatValue(le)}"} ${cumulative}`);
      });
      out.push(`${name}_bucket{${labels},le="+Inf"} ${series.count}`);
      out.push(`${name}_sum{${labels}} ${formatValue(series.sum)}`);
      out.push(`${name}_count{${labels}} ${series.count}`);
    }
  }
}

/** A float as the text format writes it: the shortest form that reads back as the same double. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}
