// The CPU of a remote-write request's path in ingest, step by step, in one process: snappy,
// decoding, validation and record encoding, then batching the records per partition. The
// bodies are the versus benchmark's (tools/bench/src/versus/workload.ts: 5,000 series,
// 8 points a series per body, 8 senders), and every body goes through the path several
// times over, as a sender writes the same series in request after request.
// Run: npx tsx apps/ingest/bench/remote-write-path.bench.ts
// Prints CPU seconds per million samples for each step, one line per round; asserts nothing.

import { DEFAULT_VALIDATION_LIMITS } from '@strata/model';
import { decodeRemoteWrite, snappyUncompress } from '@strata/prometheus';
import { ingestBodies } from '../../../tools/bench/src/versus/workload';
import { batchByPartition } from '../../../libs/stream/src/point-log';
import { prepareRequest } from '../src/write-preparation';

const out = (line = '') => process.stdout.write(`${line}\n`);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const now = Date.now();
const { bodies } = ingestBodies({ seriesCount: 5_000, connections: 8, samplesPerBody: 5_000, totalSamples: 600_000, endMs: now, seed: 7 });
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
