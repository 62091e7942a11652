import { snappyCompress } from '@strata/prometheus';
import { prometheus } from '@strata/proto';
import { prng, sleep } from '@strata/testing';

/**
 * The PromQL conformance test's dataset: 40 minutes of seeded samples at a 15 s scrape
 * interval (scrapes 0..160) ending at a given time, and its remote-write 1.0 bodies.
 *
 * - `demo_requests_total{instance,job,method,status}`: counters; b resets at scrape 70, c
 *   (which starts near zero) at 40 and 121; `d:9100` (job batch) is scraped 3 to 3.9 s late.
 * - `demo_memory_bytes{instance,job,kind}`: gauges; b's heap has no samples from scrape 40 to
 *   69 (longer than the lookback), a's rss none from 90 to 95, c's rss a staleness marker at
 *   scrape 100 and none until 120.
 * - `demo_latency_seconds_{bucket,sum,count}{instance,job}`: a classic histogram (le 0.05 to
 *   +Inf), b restarting at scrape 80.
 * - `demo_temp_celsius{instance,room}`: around 2.5, negative at times; e stops after scrape
 *   88 with no marker.
 * - `demo_instance_info{instance,version,zone}`: 1, to join zone and version onto the rest.
 */

const SEED = 20_250_601;
export const SCRAPE_MS = 15_000;
/** Scrapes 0..160: 40 minutes. */
export const LAST_SCRAPE = 160;
/** Samples per remote-write request. */
const BATCH_SAMPLES = 300;
/** A finite value the dataset never holds, written for a staleness marker and replaced in the encoded bytes. */
const STALE_SENTINEL = -1.2345678901234e-300;
/** Prometheus's staleness marker: the NaN with bits 0x7ff0000000000002 (little-endian on the wire). */
const STALE_NAN_BYTES = Buffer.from('020000000000f07f', 'hex');

type SampleValue = number | 'stale';

export interface DemoSeries {
  readonly labels: Record<string, string>;
  readonly samples: Array<{ t: number; v: SampleValue }>;
}

/** The dataset and the moments the cases aim at. */
export interface Dataset {
  readonly series: DemoSeries[];
  /** Time of scrape `k` (0..160). */
  readonly t: (k: number) => number;
  readonly startMs: number;
  readonly endMs: number;
  /** The staleness marker of demo_memory_bytes{instance="c:9100",kind="rss"}, and its first sample after. */
  readonly staleMs: number;
  readonly resumeMs: number;
  /** The last sample of demo_temp_celsius{instance="e:9100"}, which stops there without a marker. */
  readonly goneMs: number;
  /** demo_memory_bytes{instance="b:9100",kind="heap"}: its last sample before a gap longer than the lookback, and its first after. */
  readonly gapLastMs: number;
  readonly gapBackMs: number;
}

/** The dataset whose last scrape is at `endMs`: the same values on every run, only the times move. */
export function buildDataset(endMs: number): Dataset {
  const random = prng(SEED);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const startMs = endMs - LAST_SCRAPE * SCRAPE_MS;
  const t = (k: number) => startMs + k * SCRAPE_MS;
  const series: DemoSeries[] = [];
  /** Adds a series with a sample at every scrape `value` gives one for; asked in scrape order, so a value may build on the one before. */
  const add = (labels: Record<string, string>, value: (k: number) => SampleValue | undefined, time: (k: number) => number = t) => {
    const samples: DemoSeries['samples'] = [];
    for (let k = 0; k <= LAST_SCRAPE; k++) {
      const v = value(k);
      if (v !== undefined) samples.push({ t: time(k), v });
    }
    series.push({ labels, samples });
  };

  // Counters: integer increments, some resets; instance c starts near zero (rate's extrapolation stops at zero there).
  const increments: Record<string, [number, number]> = { 'GET 200': [5, 15], 'POST 200': [1, 5], 'GET 500': [0, 2], 'POST 500': [0, 1] };
  const resets: Record<string, number[]> = { a: [], b: [70], c: [40, 121] };
  for (const instance of ['a', 'b', 'c']) {
    for (const method of ['GET', 'POST']) {
      for (const status of ['200', '500']) {
        const [lo, hi] = increments[`${method} ${status}`];
        let v = instance === 'c' ? int(0, 3) : int(1_000, 5_000);
        add({ __name__: 'demo_requests_total', instance: `${instance}:9100`, job: 'api', method, status }, (k) => {
          if (k > 0) v = resets[instance].includes(k) ? int(lo, hi) : v + int(lo, hi);
          return v;
        });
      }
    }
  }
  // A counter scraped 3 to 3.9 s after the others, with jitter: rate's extrapolation at work.
  let batch = int(100, 200);
  add(
    { __name__: 'demo_requests_total', instance: 'd:9100', job: 'batch', method: 'GET', status: '200' },
    (k) => (k === 0 ? batch : (batch += int(0, 20))),
    (k) => t(k) + 3_000 + int(0, 900),
  );

  // Gauges: random walks of bytes; b's heap has a gap longer than the lookback, a's rss a short one,
  // c's rss a staleness marker at scrape 100 and nothing until scrape 120.
  for (const instance of ['a', 'b', 'c']) {
    for (const kind of ['heap', 'rss']) {
      let v = int(200_000_000, 800_000_000);
      add({ __name__: 'demo_memory_bytes', instance: `${instance}:9100`, job: 'api', kind }, (k) => {
        v += int(-5_000_000, 5_000_000);
        if (instance === 'b' && kind === 'heap' && k >= 40 && k < 70) return undefined;
        if (instance === 'a' && kind === 'rss' && k >= 90 && k < 96) return undefined;
        if (instance === 'c' && kind === 'rss' && k === 100) return 'stale';
        if (instance === 'c' && kind === 'rss' && k > 100 && k < 120) return undefined;
        return v;
      });
    }
  }

  // A classic histogram per instance: cumulative buckets, _sum and _count; b restarts at scrape 80.
  const bounds = ['0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
  for (const instance of ['a', 'b']) {
    const buckets: number[][] = [];
    const sums: number[] = [];
    let counts = bounds.map(() => 0);
    let sum = 0;
    for (let k = 0; k <= LAST_SCRAPE; k++) {
      if (instance === 'b' && k === 80) {
        counts = bounds.map(() => 0);
        sum = 0;
      }
      for (let n = int(5, 20); n > 0; n--) {
        const x = -Math.log(1 - random()) * 0.3;
        sum += x;
        counts = counts.map((c, j) => (x <= Number(bounds[j]) ? c + 1 : c));
      }
      buckets.push(counts);
      sums.push(sum);
    }
    const labels = { instance: `${instance}:9100`, job: 'api' };
    bounds.forEach((le, j) => add({ __name__: 'demo_latency_seconds_bucket', ...labels, le }, (k) => buckets[k][j]));
    add({ __name__: 'demo_latency_seconds_sum', ...labels }, (k) => sums[k]);
    add({ __name__: 'demo_latency_seconds_count', ...labels }, (k) => buckets[k][bounds.length - 1]);
  }

  // Temperatures around 2.5 °C, negative at times; e stops after scrape 88 with no marker.
  for (const [instance, room, phase] of [['e', 'lab', 0], ['f', 'hall', 2]] as const) {
    add({ __name__: 'demo_temp_celsius', instance: `${instance}:9100`, room }, (k) => {
      const v = Math.round((2.5 + 6 * Math.sin(k / 20 + phase) + (random() - 0.5)) * 100) / 100;
      return instance === 'e' && k > 88 ? undefined : v;
    });
  }

  // Info series (value 1) to join zone and version onto the others.
  for (const [instance, zone, version] of [['a', 'z1', '1.2.3'], ['b', 'z2', '1.3.0'], ['c', 'z1', '1.3.0']]) {
    add({ __name__: 'demo_instance_info', instance: `${instance}:9100`, version, zone }, () => 1);
  }

  return { series, t, startMs, endMs, staleMs: t(100), resumeMs: t(120), goneMs: t(88), gapLastMs: t(39), gapBackMs: t(70) };
}

/**
 * Remote-write 1.0 bodies (snappy-compressed WriteRequests) holding every sample once, in
 * time order, about BATCH_SAMPLES each. A staleness marker is written as a sentinel and its
 * eight bytes replaced: a signalling NaN does not keep its bits through JavaScript.
 */
export function remoteWriteBodies(dataset: Dataset): Buffer[] {
  const all = dataset.series.flatMap((s, index) => s.samples.map((sample) => ({ index, ...sample })));
  all.sort((a, b) => a.t - b.t);
  const sentinel = Buffer.alloc(8);
  sentinel.writeDoubleLE(STALE_SENTINEL);
  const bodies: Buffer[] = [];
  for (let i = 0; i < all.length; i += BATCH_SAMPLES) {
    const batch = all.slice(i, i + BATCH_SAMPLES);
    const bySeries = new Map<number, Array<{ value: number; timestamp: number }>>();
    let markers = 0;
    for (const { index, t, v } of batch) {
      if (v === 'stale') markers++;
      const samples = bySeries.get(index) ?? [];
      samples.push({ value: v === 'stale' ? STALE_SENTINEL : v, timestamp: t });
      bySeries.set(index, samples);
    }
    const timeseries = [...bySeries].map(([index, samples]) => ({
      labels: Object.entries(dataset.series[index].labels)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, value]) => ({ name, value })),
      samples,
      exemplars: [],
      histograms: [],
    }));
    const body = Buffer.from(prometheus.WriteRequest.encode({ timeseries, metadata: [] }).finish());
    let replaced = 0;
    for (let at = body.indexOf(sentinel); at >= 0; at = body.indexOf(sentinel, at + 8), replaced++) STALE_NAN_BYTES.copy(body, at);
    if (replaced !== markers) throw new Error(`expected ${markers} staleness markers in a remote-write body, wrote ${replaced}`);
    bodies.push(snappyCompress(body));
  }
  return bodies;
}

/** POSTs one remote-write body; a 429 or 503 is retried, anything but 2xx fails. */
export async function postWrite(url: string, body: Buffer, headers: Record<string, string>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
      body,
    });
    const text = await res.text();
    if (res.ok) return;
    if ((res.status === 429 || res.status === 503) && attempt < 30) {
      await sleep(500);
      continue;
    }
    throw new Error(`remote write to ${url}: HTTP ${res.status} ${text.slice(0, 500)}`);
  }
}
