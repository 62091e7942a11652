import fc from 'fast-check';
import { prometheus } from '@strata/proto';
import { decodeReadRequest, encodeReadResponse, MAX_FRAME_BYTES, prometheusLabels, sortForPrometheus, streamedFrames } from './remote-read';

const { ReadRequest, ReadResponse, LabelMatcher_Type, ReadRequest_ResponseType } = prometheus;

describe('remote read', () => {
  it('decodes queries, matchers and accepted response types', () => {
    const body = ReadRequest.encode(
      ReadRequest.fromPartial({
        queries: [{ startTimestampMs: 1_000, endTimestampMs: 2_000, matchers: [{ type: LabelMatcher_Type.EQ, name: '__name__', value: 'up' }, { type: LabelMatcher_Type.NRE, name: 'job', value: 'a.*' }] }],
        acceptedResponseTypes: [ReadRequest_ResponseType.STREAMED_XOR_CHUNKS, ReadRequest_ResponseType.SAMPLES],
      }),
    ).finish();
    expect(decodeReadRequest(body)).toEqual({
      queries: [{ startMs: 1_000, endMs: 2_000, matchers: [{ name: '__name__', type: '=', value: 'up' }, { name: 'job', type: '!~', value: 'a.*' }] }],
      acceptedResponseTypes: ['STREAMED_XOR_CHUNKS', 'SAMPLES'],
    });
  });

  it.each([
    ['garbage', Buffer.from([0xff, 0xff, 0xff])],
    ['a query without matchers', ReadRequest.encode(ReadRequest.fromPartial({ queries: [{ startTimestampMs: 1, endTimestampMs: 2 }] })).finish()],
    ['an end before the start', ReadRequest.encode(ReadRequest.fromPartial({ queries: [{ startTimestampMs: 5, endTimestampMs: 2, matchers: [{ name: 'a', value: 'b' }] }] })).finish()],
  ])('refuses %s', (_, body) => {
    expect(() => decodeReadRequest(body)).toThrow(/ReadRequest|no matchers|must not be before/);
  });

  it('encodes what the generated decoder reads back: labels sorted with __name__, samples exact', () => {
    const labelArb = fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/).filter((n) => n !== '__name__'), fc.string({ minLength: 1, maxLength: 12 })), { selector: ([n]) => n, maxLength: 5 });
    const seriesArb = fc.record({
      name: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,20}$/),
      labels: labelArb.map((ls) => ls.map(([name, value]) => ({ name, value }))),
      points: fc.array(fc.tuple(fc.integer({ min: -1e12, max: 4e12 }), fc.double({ noNaN: true })), { maxLength: 20 }),
    });
    fc.assert(
      fc.property(fc.array(fc.array(seriesArb, { maxLength: 5 }), { maxLength: 3 }), (results) => {
        const input = results.map((series) =>
          series.map((s) => ({ name: s.name, labels: s.labels, timestamps: s.points.map(([t]) => t), values: s.points.map(([, v]) => v) })),
        );
        const decoded = ReadResponse.decode(encodeReadResponse(input));
        expect(decoded.results.map((r) => r.timeseries.map((ts) => ({ labels: ts.labels, samples: ts.samples })))).toEqual(
          input.map((series) =>
            series.map((s) => ({
              labels: prometheusLabels(s.name, s.labels),
              samples: s.timestamps.map((t, i) => ({ timestamp: t, value: s.values[i] })),
            })),
          ),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('sends staleness as the staleness marker bits, whatever NaN it held', () => {
    const body = encodeReadResponse([[{ name: 'up', labels: [], timestamps: [1, 2], values: [1, Number.NaN] }]]);
    // The double of the second sample: field 1, wire type 1 (0x09), then 8 bytes.
    const at = body.lastIndexOf(Buffer.from([0x09]), body.length - 10);
    expect(body.subarray(at + 1, at + 9).toString('hex')).toBe('020000000000f07f');
  });

  it('sorts __name__ among the labels bytewise, as Prometheus does', () => {
    expect(prometheusLabels('up', [{ name: 'job', value: 'a' }, { name: 'Zone', value: 'z' }]).map((l) => l.name)).toEqual(['Zone', '__name__', 'job']);
  });
});

describe('Prometheus order of series', () => {
  it('sorts label sets label by label, name then value, bytewise, a prefix first', () => {
    const s = (name: string, labels: Record<string, string>) => ({ name, labels: Object.entries(labels).map(([n, value]) => ({ name: n, value })), timestamps: [], values: [] });
    const sorted = sortForPrometheus([
      s('up', { job: 'prometheus', instance: 'a' }),
      s('up', { job: 'node', instance: 'b' }),
      s('node_load1', {}),
      s('up', { instance: 'a' }),
      s('Up', {}),
    ]);
    expect(sorted.map((x) => prometheusLabels(x.name, x.labels).map((l) => `${l.name}=${l.value}`).join(','))).toEqual([
      '__name__=Up',
      '__name__=node_load1',
      '__name__=up,instance=a',
      '__name__=up,instance=a,job=prometheus',
      '__name__=up,instance=b,job=node',
    ]);
  });
});

describe('streamed frames', () => {
  const readFrames = (buffers: Buffer[]) =>
    buffers.map((b) => {
      let at = 0;
      let length = 0;
      let shift = 0;
      for (;;) {
        const byte = b[at++];
        length += (byte & 0x7f) * 2 ** shift;
        shift += 7;
        if (byte < 0x80) break;
      }
      expect(at + 4 + length).toBe(b.length);
      return prometheus.ChunkedReadResponse.decode(b.subarray(at + 4));
    });

  it('puts one series in each frame (Prometheus reads the first of a frame only), in 120-sample chunks', () => {
    const series = ['a', 'b', 'c'].map((job) => ({ name: 'up', labels: [{ name: 'job', value: job }], timestamps: Array.from({ length: 250 }, (_, i) => i * 1_000), values: Array.from({ length: 250 }, () => 1) }));
    const frames = readFrames([...streamedFrames(3, series)]);
    expect(frames.map((f) => [f.queryIndex, f.chunkedSeries.length, f.chunkedSeries[0].labels[1].value, f.chunkedSeries[0].chunks.map((c) => [c.minTimeMs, c.maxTimeMs])])).toEqual(
      ['a', 'b', 'c'].map((job) => [3, 1, job, [[0, 119_000], [120_000, 239_000], [240_000, 249_000]]]),
    );
  });

  it('continues a series past the frame size in further frames under the same labels', () => {
    // Random values do not compress: about 9 bytes a sample.
    const n = 200_000;
    let seed = 1;
    const values = Array.from({ length: n }, () => (seed = (seed * 16807) % 2147483647) / 7);
    const frames = readFrames([...streamedFrames(0, [{ name: 'noise', labels: [], timestamps: Array.from({ length: n }, (_, i) => i), values }])]);
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.every((f) => f.chunkedSeries.length === 1 && f.chunkedSeries[0].labels[0].value === 'noise')).toBe(true);
    expect(frames.flatMap((f) => f.chunkedSeries[0].chunks).reduce((sum, c) => sum + c.data.readUInt16BE(0), 0)).toBe(n);
    expect(frames.every((f) => f.chunkedSeries[0].chunks.reduce((sum, c) => sum + c.data.length, 0) < MAX_FRAME_BYTES + 4_096)).toBe(true);
  });
});
