// Cold read benchmark: S3 requests and bytes for one series over 460 days, per step.
// Run: npx tsx apps/reader/bench/cold-read.bench.ts
// Prints numbers; asserts nothing. The archive is built in memory the way the archiver
// lays it out (a block per day, a manifest per month, a rollup block per month including the
// month to date, a catalog and a 1 d rollup block per year), and read through the reader's own planner, fetcher and rollup code.

import { Aggregation } from '@strata/proto';
import { DAY_MS } from '@strata/storage';
import { ColdReader, dayNumber, monthOfDay, type ColdReaderEvents } from '@strata/storage/cold';
import { MemoryCold, readerHarness } from '../test/reader-harness';

const DAYS = 460;
const WARM_SPAN_DAYS = 14;
const MINUTE = 60_000;
const out = (line = '') => process.stdout.write(`${line}\n`);

async function main() {
  const now = Date.UTC(2026, 10, 23, 12);
  const today = dayNumber(now);
  const firstDay = today - DAYS;
  const lastArchived = today - WARM_SPAN_DAYS - 1;
  const points: Array<[number, number]> = [];
  let v = 50;
  for (let t = firstDay * DAY_MS; t < (lastArchived + 1) * DAY_MS; t += MINUTE) points.push([t, (v = Math.round((v + Math.sin(t) * 0.5) * 100) / 100)]);
  const cold = new MemoryCold();
  const series = new Map([['cpu{host="a"}', points]]);
  cold.archive('acme', series);
  for (let m = monthOfDay(firstDay); m <= monthOfDay(lastArchived); m++) cold.compact('acme', m, series);
  for (let y = new Date(firstDay * DAY_MS).getUTCFullYear(); y <= new Date(lastArchived * DAY_MS).getUTCFullYear(); y++) cold.catalog('acme', y, series);

  out(`One series of 1-minute points, ${DAYS} days back from today; days older than ${WARM_SPAN_DAYS} days archived (${points.length} points), every month compacted (the month to date too), a catalog and a 1 d rollup per year.`);
  out(`Read [today - ${DAYS} d, today) through the reader's planner and fetcher; S3 GETs by kind, first read (cold caches) / repeated read (manifests and indexes cached).`);
  out();
  out('step     answer points | catalog/list/manifest  index  range  block | bytes read          | ms');
  for (const [label, step, aggregation] of [
    ['1 d', DAY_MS, Aggregation.MAX],
    ['1 h', 3_600_000, Aggregation.AVG],
    ['5 m', 300_000, Aggregation.AVG],
    ['7 d', 7 * DAY_MS, Aggregation.SUM],
    ['raw', 0, Aggregation.AVG],
  ] as const) {
    const counts = { manifest: 0, index: 0, range: 0, block: 0, bytes: 0 };
    const events: ColdReaderEvents = {
      onRequest: (kind, bytes) => {
        counts[kind === 'catalog' || kind === 'list' ? 'manifest' : kind]++;
        counts.bytes += bytes;
      },
    };
    const reader = new ColdReader(cold.store, { keys: cold.keys, events, manifestTtlMs: 3_600_000 });
    const harness = readerHarness({ cold: reader, now: () => now, limits: { maxRangeMs: 500 * DAY_MS, maxPointsPerRequest: 10_000_000, maxPointsPerMessage: 100_000 } });
    const request = { matchers: [], series: [{ name: 'cpu', labels: [{ name: 'host', value: 'a' }] }], fromMs: (today - DAYS) * DAY_MS, toMs: today * DAY_MS, stepMs: step, aggregation };
    const runs: string[] = [];
    let answered = 0;
    for (let i = 0; i < 2; i++) {
      const before = { ...counts };
      const began = process.hrtime.bigint();
      answered = 0;
      for await (const message of harness.reads.read('acme', request)) answered += message.series.reduce((n, s) => n + s.points.length, 0);
      const ms = Number(process.hrtime.bigint() - began) / 1e6;
      runs.push(`${counts.manifest - before.manifest}/${counts.index - before.index}/${counts.range - before.range}/${counts.block - before.block}|${counts.bytes - before.bytes}|${ms.toFixed(0)}`);
    }
    const [first, second] = runs.map((r) => r.split('|'));
    const [m1, i1, r1, b1] = first[0].split('/');
    const [m2, i2, r2, b2] = second[0].split('/');
    out(
      `${label.padEnd(8)} ${String(answered).padStart(13)} | ${`${m1} / ${m2}`.padStart(21)} ${`${i1} / ${i2}`.padStart(7)} ${`${r1} / ${r2}`.padStart(10)} ${`${b1} / ${b2}`.padStart(6)} | ${`${first[1]} / ${second[1]}`.padStart(19)} | ${first[2]} / ${second[2]}`,
    );
  }
}

void main();
