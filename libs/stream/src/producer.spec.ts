import { partitionForKey } from './producer';

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
