// Chunk codec benchmark: size and speed on synthetic but realistic monitoring series.
// Run: npx tsx libs/storage/bench/codec.bench.ts
// Prints numbers; asserts nothing. Every dataset is generated from a fixed seed, so sizes
// are reproducible to the byte; speeds are the median of REPETITIONS timed runs.

import { prng } from '@strata/testing';
import { decodeChunk, encodeChunk } from '../src/codec/chunk';
import { ChunkEncoding } from '../src/codec/encoding';

const SERIES = 200;
const POINTS_PER_SERIES = 1_440; // one day of 1-minute points
const CHUNK_SIZES = [120, 720] as const;
const REPETITIONS = 9;
const WARMUP = 2;
const MINUTE = 60_000;
const START = Date.UTC(2024, 0, 1);

interface Series {
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

interface Dataset {
  readonly name: string;
  readonly description: string;
  readonly make: (rnd: () => number, index: number) => Series;
}

function gaussian(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

function regularTimestamps(): Float64Array {
  return Float64Array.from({ length: POINTS_PER_SERIES }, (_, i) => START + i * MINUTE);
}

/** ±5 ms jitter on every scrape, and now and then a gap of 2 to 30 minutes. */
function irregularTimestamps(rnd: () => number): Float64Array {
  const out = new Float64Array(POINTS_PER_SERIES);
  let slot = 0;
  for (let i = 0; i < POINTS_PER_SERIES; i++) {
    if (rnd() < 0.005) slot += 1 + Math.floor(rnd() * 29);
    out[i] = START + slot * MINUTE + Math.round((rnd() - 0.5) * 10);
    slot++;
  }
  return out;
}

/** A percentage with two decimals that wanders by N(0, sigma) per minute, within 0..100. */
function percentWalk(rnd: () => number, sigma: number): Float64Array {
  let hundredths = Math.round((5 + rnd() * 90) * 100);
  return Float64Array.from({ length: POINTS_PER_SERIES }, () => {
    hundredths = Math.min(10_000, Math.max(0, hundredths + Math.round(gaussian(rnd) * sigma * 100)));
    return hundredths / 100;
  });
}

const datasets: Dataset[] = [
  {
    name: 'gauge-2dp',
    description: 'CPU % with 2 decimals, random walk step N(0, 0.5), regular 60 s',
    make: (rnd) => ({ timestamps: regularTimestamps(), values: percentWalk(rnd, 0.5) }),
  },
  {
    name: 'gauge-2dp-wild',
    description: 'same, step N(0, 2): a busier gauge',
    make: (rnd) => ({ timestamps: regularTimestamps(), values: percentWalk(rnd, 2) }),
  },
  {
    name: 'counter-int',
    description: 'monotonic integer counter, 10..10k/s with ±20 % noise per minute',
    make: (rnd) => {
      const rate = 10 ** (1 + rnd() * 3);
      let total = Math.floor(rnd() * 1e10);
      const values = Float64Array.from({ length: POINTS_PER_SERIES }, () => {
        total += Math.max(0, Math.round(rate * 60 * (1 + 0.2 * gaussian(rnd))));
        return total;
      });
      return { timestamps: regularTimestamps(), values };
    },
  },
  {
    name: 'small-int',
    description: 'process count ~100..300, changes by 1..3 in 20 % of minutes',
    make: (rnd) => {
      let count = 100 + Math.floor(rnd() * 200);
      const values = Float64Array.from({ length: POINTS_PER_SERIES }, () => {
        if (rnd() < 0.2) count = Math.max(0, count + (rnd() < 0.5 ? -1 : 1) * (1 + Math.floor(rnd() * 3)));
        return count;
      });
      return { timestamps: regularTimestamps(), values };
    },
  },
  {
    name: 'float-noisy',
    description: 'full-precision float (smoothed load average), regular 60 s',
    make: (rnd) => {
      let load = rnd() * 8;
      const values = Float64Array.from({ length: POINTS_PER_SERIES }, () => (load = 0.92 * load + 0.08 * rnd() * 8));
      return { timestamps: regularTimestamps(), values };
    },
  },
  {
    name: 'gauge-2dp-jitter',
    description: 'gauge-2dp values, ±5 ms jitter, a 2..30 min gap in 0.5 % of scrapes',
    make: (rnd) => ({ timestamps: irregularTimestamps(rnd), values: percentWalk(rnd, 0.5) }),
  },
];

function chunksOf(series: readonly Series[], size: number): Series[] {
  const out: Series[] = [];
  for (const s of series) {
    for (let i = 0; i < s.timestamps.length; i += size) {
      out.push({ timestamps: s.timestamps.subarray(i, i + size), values: s.values.subarray(i, i + size) });
    }
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Points per second over `points`, median of REPETITIONS runs after WARMUP untimed ones. */
function throughput(points: number, run: () => void): number {
  const rates: number[] = [];
  for (let i = 0; i < WARMUP + REPETITIONS; i++) {
    const started = process.hrtime.bigint();
    run();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (i >= WARMUP) rates.push(points / seconds);
  }
  return median(rates);
}

interface Row {
  dataset: string;
  chunk: number;
  bytesPerPoint: number;
  xorBytesPerPoint: number;
  decimalShare: number;
  encodeMps: number;
  decodeMps: number;
}

function measure(dataset: Dataset, seed: number, chunkSize: number): Row {
  const rnd = prng(seed);
  const series = Array.from({ length: SERIES }, (_, i) => dataset.make(rnd, i));
  const chunks = chunksOf(series, chunkSize);
  const points = SERIES * POINTS_PER_SERIES;

  const encoded = chunks.map((c) => encodeChunk(c));
  const bytes = encoded.reduce((sum, b) => sum + b.length, 0);
  const xorBytes = chunks.reduce((sum, c) => sum + encodeChunk(c, { encoding: ChunkEncoding.Xor }).length, 0);
  const decimalChunks = encoded.filter((b) => b[0] === ChunkEncoding.Decimal).length;

  // Spot-check losslessness on the bench data too: a fast wrong codec is worth nothing.
  encoded.forEach((b, i) => {
    const { timestamps, values } = decodeChunk(b);
    const want = new Uint32Array(chunks[i].values.slice().buffer);
    const got = new Uint32Array(values.buffer);
    if (timestamps.some((t, j) => t !== chunks[i].timestamps[j]) || got.some((w, j) => w !== want[j])) {
      throw new Error(`${dataset.name}: chunk ${i} did not round-trip`);
    }
  });

  let sink = 0;
  const encodeMps =
    throughput(points, () => {
      for (const c of chunks) sink += encodeChunk(c).length;
    }) / 1e6;
  const decodeMps =
    throughput(points, () => {
      for (const b of encoded) sink += decodeChunk(b).values.length;
    }) / 1e6;
  if (sink < 0) throw new Error('unreachable'); // keeps the work observable

  return {
    dataset: dataset.name,
    chunk: chunkSize,
    bytesPerPoint: bytes / points,
    xorBytesPerPoint: xorBytes / points,
    decimalShare: decimalChunks / chunks.length,
    encodeMps,
    decodeMps,
  };
}

function main(): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`chunk codec benchmark — node ${process.version}, ${SERIES} series x ${POINTS_PER_SERIES} points per dataset,`);
  out(`speeds: median of ${REPETITIONS} runs (Mpt/s = million points per second, one core)\n`);
  for (const d of datasets) out(`  ${d.name.padEnd(17)} ${d.description}`);
  out('');
  const header = ['dataset', 'chunk', 'B/pt', 'XOR-only B/pt', 'Decimal chunks', 'encode Mpt/s', 'decode Mpt/s'];
  const widths = [17, 6, 6, 14, 15, 13, 13];
  const row = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' ');
  out(row(header));
  out(row(widths.map((w) => '-'.repeat(w))));
  datasets.forEach((dataset, index) => {
    for (const size of CHUNK_SIZES) {
      const r = measure(dataset, 1000 + index, size);
      out(
        row([
          r.dataset,
          String(r.chunk),
          r.bytesPerPoint.toFixed(3),
          r.xorBytesPerPoint.toFixed(3),
          `${Math.round(r.decimalShare * 100)} %`,
          r.encodeMps.toFixed(2),
          r.decodeMps.toFixed(2),
        ]),
      );
    }
  });
}

main();
