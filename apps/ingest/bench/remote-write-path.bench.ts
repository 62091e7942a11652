// The CPU of a remote-write request's path in ingest, step by step, in one process: snappy,
// decoding, validation and record encoding, then batching the records per partition. The
// bodies have the versus benchmark's shape (5,000 series over 8 senders, 8 one-minute points
// a series per body; gauges with 2 decimals, counters, small integers, noise), and every
// body goes through the path several times over, as a sender writes the same series in
// request after request.
// Run: npx tsx apps/ingest/bench/remote-write-path.bench.ts
// Prints CPU seconds per million samples for each step, one line per round; asserts nothing.

import { DEFAULT_VALIDATION_LIMITS } from '@strata/model';
import { decodeRemoteWrite, snappyCompress, snappyUncompress } from '@strata/prometheus';
import { prometheus } from '@strata/proto';
import { batchByPartition } from '@strata/stream';
import { prng } from '@strata/testing';
import { prepareRequest } from '../src/write-preparation';

const out = (line = '') => process.stdout.write(`${line}\n`);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const now = Date.now();
const SERIES = 5_000;
const SENDERS = 8;
const POINTS = 8;
const MINUTE = 60_000;

/** 600,000 samples in remote-write 1.0 bodies: each sender's series, 8 minutes at a time, ending now. */
function bodiesOfShape(): Array<{ bytes: Buffer; samples: number }> {
  const random = prng(7);
  const kinds = ['cpu_user', 'net_bytes_in_total', 'procs_running', 'load_ewma'] as const;
  const series = Array.from({ length: SERIES }, (_, i) => ({
    labels: [
      { name: '__name__', value: `ingest_h${String(Math.floor(i / kinds.length)).padStart(5, '0')}_${kinds[i % kinds.length]}` },
      { name: 'dc', value: `dc${i % 3}` },
      { name: 'set', value: 'ingest' },
    ],
    kind: kinds[i % kinds.length],
    value: 50,
  }));
  const next = (s: (typeof series)[number]) => {
    if (s.kind === 'cpu_user') s.value = Math.round(Math.max(0, Math.min(100, s.value + (random() - 0.5) * 2)) * 100) / 100;
    else if (s.kind === 'net_bytes_in_total') s.value += Math.floor(random() * 100_000);
    else if (s.kind === 'procs_running') s.value = Math.floor(random() * 20);
    else s.value = random() * 4;
    return s.value;
  };
  const rounds = 600_000 / (SERIES * POINTS);
  const first = Math.floor(now / MINUTE) * MINUTE - rounds * POINTS * MINUTE;
  const bodies: Array<{ bytes: Buffer; samples: number }> = [];
  for (let round = 0; round < rounds; round++) {
    for (let sender = 0; sender < SENDERS; sender++) {
      const mine = series.filter((_, i) => i % SENDERS === sender);
      const timeseries = mine.map((s) => ({
        labels: s.labels,
        samples: Array.from({ length: POINTS }, (_, p) => ({ value: next(s), timestamp: first + (round * POINTS + p) * MINUTE })),
        exemplars: [],
        histograms: [],
      }));
      bodies.push({ bytes: snappyCompress(prometheus.WriteRequest.encode({ timeseries, metadata: [] }).finish()), samples: mine.length * POINTS });
    }
  }
  return bodies;
}

const bodies = bodiesOfShape();
const samples = bodies.reduce((n, body) => n + body.samples, 0);
const settings = { tenant: 'bench', nowMs: now, limits: DEFAULT_VALIDATION_LIMITS, maxPointsPerRequest: 1_000_000, maxRecordBytes: 1_000_000, staleness: true };

out(`remote-write request path: ${bodies.length} bodies, ${samples.toLocaleString('en-US')} samples a round; CPU s per 1M samples`);
for (let round = 1; round <= ROUNDS; round++) {
  const ms = { snappy: 0, decode: 0, prepare: 0, batch: 0 };
  for (const body of bodies) {
    let at = performance.now();
    const lap = (step: keyof typeof ms) => {
      const t = performance.now();
      ms[step] += t - at;
      at = t;
    };
    const raw = snappyUncompress(body.bytes, 64 << 20);
    lap('snappy');
    const decoded = decodeRemoteWrite(raw, '1.0');
    lap('decode');
    const prepared = prepareRequest({ series: decoded.series }, settings);
    lap('prepare');
    if (prepared.kind !== 'prepared') throw new Error(`a benchmark body was refused: ${prepared.kind}`);
    batchByPartition(prepared.valid.flatMap((s) => s.records), 12, 1_000_000);
    lap('batch');
  }
  const perMillion = (v: number) => ((v / samples) * 1_000).toFixed(3);
  const total = ms.snappy + ms.decode + ms.prepare + ms.batch;
  out(`  round ${round}: snappy ${perMillion(ms.snappy)}  decode ${perMillion(ms.decode)}  validate+encode ${perMillion(ms.prepare)}  batch ${perMillion(ms.batch)}  total ${perMillion(total)}`);
}
