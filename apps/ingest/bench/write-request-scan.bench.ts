// Structural pre-scan benchmark: how fast ingest walks a Write body's raw bytes before it
// decodes anything (it runs on the event loop), against the generated decoder on the same
// bodies, and how little a refusal costs once a count passes its limit.
// Run: npx tsx apps/ingest/bench/write-request-scan.bench.ts
// Prints numbers; asserts nothing.

import { WriteRequest } from '@strata/proto';
import { scanWriteRequest } from '../src/write-request-scan';

const out = (line = '') => process.stdout.write(`${line}\n`);
const DEFAULTS = { maxPoints: 100_000, maxSeries: 100_000, maxLabels: 250_000 };
const WIDE = { maxPoints: Infinity, maxSeries: Infinity, maxLabels: Infinity };
const now = Date.now();

/** Best of `runs` timings of `fn`, in ms (the machine is shared: the best run is the one least disturbed). */
function best(runs: number, fn: () => unknown): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const began = process.hrtime.bigint();
    try {
      fn();
    } catch {
      // refusals are what some rows measure
    }
    min = Math.min(min, Number(process.hrtime.bigint() - began) / 1e6);
  }
  return min;
}

const encode = (series: Parameters<typeof WriteRequest.encode>[0]['series']) => Buffer.from(WriteRequest.encode({ series }).finish());
/** One series of `bytes / 2` empty labels. */
const labelBomb = (bytes: number) => {
  const inner = Buffer.alloc(bytes - 6);
  for (let i = 0; i + 1 < inner.length; i += 2) inner[i] = 0x12;
  return Buffer.concat([Buffer.from([0x0a]), varint(inner.length), inner]);
};
function varint(n: number): Buffer {
  const b: number[] = [];
  while (n > 0x7f) {
    b.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  b.push(n);
  return Buffer.from(b);
}

const bodies: Array<[string, Buffer, typeof DEFAULTS]> = [
  ['100,000 points in one series', encode([{ name: 'huge', labels: [{ name: 'k', value: 'v' }], points: Array.from({ length: 100_000 }, (_, i) => ({ timestampMs: now + i * 10, value: Math.random() * 1e6 })) }]), WIDE],
  ['10,000 series x 20 labels x 1 point', encode(Array.from({ length: 10_000 }, (_, i) => ({ name: `m${i}`, labels: Array.from({ length: 20 }, (_, j) => ({ name: `l${j}`, value: `v${i}` })), points: [{ timestampMs: now, value: 1 }] }))), WIDE],
  ['8 MB label bomb, walked to the end', labelBomb(8_000_000), WIDE],
  ['8 MB label bomb, refused at 250,001 labels', labelBomb(8_000_000), DEFAULTS],
  ['8 MB of garbage starting 0x6c', Buffer.concat([Buffer.from([0x6c]), Buffer.alloc(8_000_000 - 1, 0x5a)]), DEFAULTS],
];

out('body                                          bytes       scan ms  body MB/scan s  decode ms');
for (const [name, body, limits] of bodies) {
  const scan = best(10, () => scanWriteRequest(body, limits));
  const decode = best(5, () => WriteRequest.decode(body));
  out(`${name.padEnd(44)} ${String(body.length).padStart(9)} ${scan.toFixed(2).padStart(10)} ${(body.length / 1e6 / (scan / 1e3)).toFixed(0).padStart(11)} ${decode.toFixed(1).padStart(11)}`);
}
