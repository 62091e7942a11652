// Archive benchmark: what the cold tier costs per point, and how fast blocks are built.
// Run: npx tsx apps/archiver/bench/archive.bench.ts
// Prints numbers; asserts nothing. Datasets come from fixed seeds, so sizes are
// reproducible to the byte. Storage is in memory (the archiver's S3 and DynamoDB calls
// are the same; their latency is not what is measured here).

import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Registry } from 'prom-client';
import { createLogger, workerEntry } from '@strata/runtime';
import { DAY_MS } from '@strata/storage';
import { ColdKeys, decodeManifest, monthFirstDay, monthOfDay, openBlock, PART_NAMES, type PartName } from '@strata/storage/cold';
import { MemoryObjectStore } from '@strata/storage/testing';
import { benchFiguresPath, prng, recordBenchFigures, type MeasuredFigure } from '@strata/testing';
import { Archiver } from '../src/archiver';
import { ArchiverMetrics } from '../src/archiver-metrics';
import { MemoryWarmArchive, toChunk, W } from '../test/archive-fixtures';
import { BlockPool, InlineBlockBuilder, type BlockBuilder } from '../src/block-pool';

const SERIES = 200;
const DAYS = 3;
const BLOCK_TARGET_BYTES = 64 << 20;
const workspace = resolve(__dirname, '../../..');
const MINUTE = 60_000;
const out = (line = '') => process.stdout.write(`${line}\n`);

function gaussian(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

interface Dataset {
  readonly name: string;
  /** Its key in the bench figures (`s3.bytesPerPoint.<slug>`). */
  readonly slug: string;
  readonly value: (rnd: () => number, previous: number, minute: number) => number;
}

const DATASETS: Dataset[] = [
  { name: 'gauge, 2 decimals, random walk N(0, 0.5), 60 s', slug: 'gauge', value: (rnd, v) => Math.round((v + gaussian(rnd) * 0.5) * 100) / 100 },
  { name: 'integer counter, 10..10k/s +- 20 %, 60 s', slug: 'counter', value: (rnd, v) => v + Math.round(60 * (10 + rnd() * 10_000) * (0.8 + rnd() * 0.4)) },
  { name: 'full-precision floats, 60 s', slug: 'float', value: (rnd) => rnd() * 1_000 },
];

async function archive(dataset: Dataset, builder: BlockBuilder) {
  const rnd = prng(42);
  const warm = new MemoryWarmArchive();
  const store = new MemoryObjectStore();
  const keys = new ColdKeys('');
  // Days ending the month before "now" (so the month is complete and compacted).
  const now = Date.UTC(2026, 10, 20);
  const firstDay = monthFirstDay(monthOfDay(now / DAY_MS)) - DAYS;
  let points = 0;
  let warmBytes = 0;
  for (let s = 0; s < SERIES; s++) {
    let v = 50;
    for (let d = 0; d < DAYS; d++) {
      for (let w = 0; w < 12; w++) {
        const start = (firstDay + d) * DAY_MS + w * W;
        const layer = new Map<number, number>();
        for (let m = 0; m < 120; m++) layer.set(start + m * MINUTE, (v = dataset.value(rnd, v, m)));
        const chunk = toChunk('bench', `host.h${s}.metric{dc="eu"}`, start, layer);
        warm.put([chunk]);
        points += layer.size;
        warmBytes += chunk.chunk.length;
      }
    }
  }
  const archiver = new Archiver({
    warm,
    store,
    keys,
    builder,
    settings: { warmSpanDays: 14, lookbackDays: 60, recentDays: 7, fullSweepIntervalMs: DAY_MS, deleteDelayMs: 0, workers: 0, concurrency: 8, blockTargetBytes: BLOCK_TARGET_BYTES, compact: true },
    metrics: new ArchiverMetrics(new Registry()),
    logger: createLogger({ service: 'bench', level: 'silent' }),
    now: () => now,
  });
  const began = process.hrtime.bigint();
  await archiver.run({ fullSweep: true });
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  const parts: Record<PartName | 'index' | 'month' | 'year' | 'manifest', number> = { raw: 0, m5: 0, h1: 0, d1: 0, index: 0, month: 0, year: 0, manifest: 0 };
  for (const [key, bytes] of store.objects) {
    if (key === keys.status()) continue; // when the archiver last ran: not archived data
    if (key.includes('/manifest/')) {
      parts.manifest += bytes.length;
      decodeManifest(bytes);
    } else if (key.includes('/month/')) {
      parts.month += bytes.length;
    } else if (key.includes('/catalog/') || key.includes('/year/')) {
      parts.year += bytes.length; // the year catalog and its 1 d rollup block
    } else {
      const opened = openBlock(bytes);
      let sections = 0;
      for (const e of opened.index.entries) {
        for (const p of PART_NAMES) {
          parts[p] += e.lengths[p];
          sections += e.lengths[p];
        }
      }
      parts.index += bytes.length - sections;
    }
  }
  const requests = { put: 0, get: 0, list: 0, delete: 0, dayBlocks: 0 };
  for (const r of store.requests) requests[r.op]++;
  requests.dayBlocks = [...store.objects.keys()].filter((key) => key.includes('/day/')).length;
  return { points, warmBytes, parts, seconds, requests };
}

async function main() {
  out(`Archive: ${SERIES} series x ${DAYS} days of 1-minute points per dataset (2-hour warm chunks in), day blocks and a month rollup block out.`);
  out();
  out('dataset                                          warm   | raw    5m     1h     1d     index  = day blocks | month  year   manifest | all S3');
  for (const dataset of DATASETS) {
    const { points, warmBytes, parts } = await archive(dataset, new InlineBlockBuilder());
    const per = (n: number) => (n / points).toFixed(3).padStart(6);
    const day = parts.raw + parts.m5 + parts.h1 + parts.d1 + parts.index;
    out(
      `${dataset.name.padEnd(48)} ${per(warmBytes)} | ${per(parts.raw)} ${per(parts.m5)} ${per(parts.h1)} ${per(parts.d1)} ${per(parts.index)} = ${per(day)}     | ${per(parts.month)} ${per(parts.year)} ${per(parts.manifest)}   | ${per(day + parts.month + parts.year + parts.manifest)}`,
    );
  }
  out('(bytes per point)');
  out();
  const figures: Record<string, MeasuredFigure> = {};
  const bytes = (value: number, what: string): MeasuredFigure => ({ value, unit: 'bytes/point', what });
  for (const dataset of DATASETS) {
    const { points, parts, requests } = await archive(dataset, new InlineBlockBuilder());
    const day = parts.raw + parts.m5 + parts.h1 + parts.d1 + parts.index;
    figures[`s3.bytesPerPoint.${dataset.slug}`] = bytes((day + parts.month + parts.year + parts.manifest) / points, `all S3 (day blocks, month and year rollups, catalog, manifest): ${dataset.name}`);
    figures[`s3.dayBlockBytesPerPoint.${dataset.slug}`] = bytes(day / points, `day blocks alone (raw, rollups, index): ${dataset.name}`);
    if (dataset === DATASETS[0]) {
      const perDay = (n: number, what: string): MeasuredFigure => ({ value: n / DAYS, unit: 'requests/tenant-day', what: `${what}, ${SERIES} series x ${DAYS} days archived in one run` });
      figures['s3.archivePutsPerTenantDay'] = perDay(requests.put, 'archiver PUTs (day blocks, month rollup blocks, manifests, catalog, status)');
      figures['s3.archiveDayBlocksPerTenantDay'] = perDay(requests.dayBlocks, 'day blocks among them');
      figures['s3.archiveGetsPerTenantDay'] = perDay(requests.get, 'archiver GETs');
      figures['s3.archiveListsPerTenantDay'] = perDay(requests.list, 'archiver LISTs');
      out(`S3 requests per tenant-day (${DATASETS[0].name}): ${(requests.put / DAYS).toFixed(1)} PUT (${(requests.dayBlocks / DAYS).toFixed(1)} day blocks), ${(requests.get / DAYS).toFixed(1)} GET, ${(requests.list / DAYS).toFixed(1)} LIST`);
      out();
    }
  }
  figures['s3.blockTargetBytes'] = { value: BLOCK_TARGET_BYTES, unit: 'bytes', what: 'STRATA_ARCHIVE_BLOCK_TARGET_BYTES the bench archived with (the default)' };
  const workers = Math.min(availableParallelism(), 4);
  const pool = new BlockPool({ entry: workerEntry(`${__dirname}/../src`, 'block'), size: workers, logger: createLogger({ service: 'bench', level: 'silent' }) });
  await pool.start();
  for (const [name, builder] of [['inline (main thread)', new InlineBlockBuilder()], [`${workers} worker thread(s)`, pool]] as const) {
    const runs: number[] = [];
    let points = 0;
    for (let i = 0; i < 3; i++) {
      const r = await archive(DATASETS[0], builder);
      runs.push(r.seconds);
      points = r.points;
    }
    runs.sort((a, b) => a - b);
    if (builder instanceof InlineBlockBuilder) {
      figures['cpu.archiver.secondsPerMillionPoints'] = {
        value: (runs[1] / points) * 1e6,
        unit: 'CPU s/1M points',
        what: 'archive run on the main thread, storage in memory (decode, merge, rollups, encode, hash): wall time of one busy thread',
      };
    }
    out(`archive run, ${name.padEnd(22)} ${(points / runs[1] / 1e6).toFixed(2)} M points/s (median of 3; decode, merge, rollups, encode, hash; storage in memory)`);
  }
  await pool.stop();
  const file = benchFiguresPath(workspace, process.env);
  recordBenchFigures(figures, { file, section: 'archive', command: 'npx tsx apps/archiver/bench/archive.bench.ts', repoRoot: workspace });
  out(`figures recorded in ${file}`);
}

void main();
