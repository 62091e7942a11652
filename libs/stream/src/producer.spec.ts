import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { murmur2, partitionForKey } from './producer';

describe('partitionForKey', () => {
  // Expected partitions computed with the Java client (kafka-clients 3.9.2:
  // Utils.toPositive(Utils.murmur2(key)) % n), so a JVM consumer or producer agrees.
  it.each<[string, number, number]>([
    ['tenant-a#cpu.user', 8, 7],
    ['tenant-a#cpu.system', 8, 6],
    ['tenant-b#mem.free', 8, 3],
    ['a', 8, 4],
    ['host-17.disk.io', 8, 5],
    ['a', 3, 1],
    ['tenant-b#mem.free', 1000, 467],
    ['host-17.disk.io', 1000, 445],
  ])('places %p on %p partitions where the Java client does', (key, count, expected) => {
    expect(partitionForKey(key, count)).toBe(expected);
  });

  it('gives the same answer for the key as a string or as UTF-8 bytes', () => {
    expect(partitionForKey(Buffer.from('tenant-a#cpu.user'), 8)).toBe(partitionForKey('tenant-a#cpu.user', 8));
  });
});

describe('murmur2 in 32-bit arithmetic', () => {
  // kafkajs's own DefaultPartitioner (64-bit Long arithmetic) is the reference: a series must
  // stay on its partition across this change, or its log order would break.
  const reference = Partitioners.DefaultPartitioner();
  const metadata = (n: number) => Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));

  it('places every key where kafkajs does, for any bytes, any length and any partition count', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b))),
        fc.integer({ min: 1, max: 4_096 }),
        (key, n) => {
          expect(partitionForKey(key, n)).toBe(reference({ topic: 't', partitionMetadata: metadata(n), message: { key, value: null } }));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it("gives the very hash of kafkajs's murmur2, sign included", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: string | Buffer) => number;
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b))), (key) => {
        expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      }),
      { numRuns: 5_000 },
    );
  });
});
