import { WriteRequest } from '@strata/proto';
import { garbage, labelBomb, mutate, nestedMessages, topLevelFields, varint } from './protobuf-wire';

const request = (): Buffer =>
  Buffer.from(
    WriteRequest.encode({
      series: [
        { name: 'a', labels: [{ name: 'k', value: 'v' }], points: [{ timestampMs: 1_700_000_000_000, value: 1 }] },
        { name: 'b', labels: [], points: [{ timestampMs: 1_700_000_000_001, value: 2 }] },
      ],
    }).finish(),
  );

describe('protobuf-wire', () => {
  it.each([
    [0, '00'],
    [127, '7f'],
    [128, '8001'],
    [2n ** 64n - 1n, 'ffffffffffffffffff01'],
  ])('encodes varint %s as %s', (value, hex) => expect(varint(value).toString('hex')).toBe(hex));

  it('builds a label bomb that is a valid WriteRequest of the size asked, two bytes a label', () => {
    const body = labelBomb(10_000);
    expect(body.length).toBeLessThanOrEqual(10_000);
    expect(body.length).toBeGreaterThan(9_990);
    const decoded = WriteRequest.decode(body);
    expect(decoded.series).toHaveLength(1);
    expect(decoded.series[0]!.labels.length).toBe((body.length - 3) / 2);
  });

  it('nests messages as an unknown field that a decoder skips', () => {
    expect(WriteRequest.decode(nestedMessages(50)).series.map((s) => s.name)).toEqual(['deep']);
  });

  it('walks the top-level fields of a well-formed message', () => {
    const fields = topLevelFields(request());
    expect(fields.map((f) => [f.field, f.wireType])).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(fields[1]!.end).toBe(request().length);
  });

  it('repeats a field: still valid, one more series', () => {
    const decoded = WriteRequest.decode(mutate(request(), { kind: 'repeatField', fieldIndex: 1, times: 1 }));
    expect(decoded.series.map((s) => s.name)).toEqual(['a', 'b', 'b']);
  });

  it('lies about a length: the decoder runs past the end', () => {
    expect(() => WriteRequest.decode(mutate(request(), { kind: 'lengthLie', fieldIndex: 1, delta: 5 }))).toThrow();
  });

  it('changes a wire type to one the decoder must skip as something else', () => {
    const body = mutate(request(), { kind: 'wrongWireType', fieldIndex: 0, wireType: 0 });
    expect(body[0]).toBe(0x08);
    expect(body.length).toBe(request().length);
  });

  it('inserts a varint of 2^64 - 1 at a field boundary', () => {
    const body = mutate(request(), { kind: 'hugeVarint', position: 1, field: 2 });
    expect(body.length).toBe(request().length + 11);
    expect(topLevelFields(body).map((f) => f.field)).toEqual([1, 3, 1]);
  });

  it('truncates and flips bits within the body, whatever the numbers', () => {
    expect(mutate(request(), { kind: 'truncate', keep: 5 }).length).toBe(5);
    expect(mutate(request(), { kind: 'truncate', keep: 10_000 }).length).toBe(10_000 % (request().length + 1));
    const flipped = mutate(request(), { kind: 'bitFlip', position: 3, bit: 9 });
    expect(flipped[3]! ^ request()[3]!).toBe(2);
  });

  it('makes the same garbage from the same seed', () => {
    expect(garbage(1_001, 7).equals(garbage(1_001, 7))).toBe(true);
    expect(garbage(1_001, 7).equals(garbage(1_001, 8))).toBe(false);
  });
});
