import fc from 'fast-check';
import { isSharedLabels } from '@strata/model';
import { prometheus, prometheusWriteV2 } from '@strata/proto';
import { decodeRemoteWrite, DoorRefusalCode, RemoteWriteFormatError } from './remote-write';

const { WriteRequest, MetricMetadata_MetricType } = prometheus;
const { Request } = prometheusWriteV2;

const staleNaN = Buffer.from('020000000000f07f', 'hex').readDoubleLE(0);

/** Encodes series (labels in order, `__name__` among them) as remote write 2.0, with a symbol table. */
function encodeV2(series: Array<{ labels: Array<[string, string]>; samples: Array<{ value: number; timestamp: number }>; histograms?: number; exemplars?: number; help?: string }>): Buffer {
  const symbols = [''];
  const ref = (s: string) => {
    const at = symbols.indexOf(s);
    if (at >= 0) return at;
    symbols.push(s);
    return symbols.length - 1;
  };
  const timeseries = series.map((s) => ({
    labelsRefs: s.labels.flatMap(([n, v]) => [ref(n), ref(v)]),
    samples: s.samples,
    histograms: Array.from({ length: s.histograms ?? 0 }, (_, i) => ({ countInt: 1, sum: 1, timestamp: i + 1, count: { $case: 'countInt' as const, value: 1 } })),
    exemplars: Array.from({ length: s.exemplars ?? 0 }, (_, i) => ({ labelsRefs: [], value: i, timestamp: i + 1 })),
    metadata: s.help === undefined ? undefined : { type: prometheusWriteV2.Metadata_MetricType.METRIC_TYPE_COUNTER, helpRef: ref(s.help), unitRef: ref('seconds') },
  }));
  return Buffer.from(Request.encode(Request.fromPartial({ symbols, timeseries })).finish());
}

function encodeV1(series: Array<{ labels: Array<[string, string]>; samples: Array<{ value: number; timestamp: number }>; histograms?: number; exemplars?: number }>, metadata: prometheus.MetricMetadata[] = []): Buffer {
  const timeseries = series.map((s) => ({
    labels: s.labels.map(([name, value]) => ({ name, value })),
    samples: s.samples,
    histograms: Array.from({ length: s.histograms ?? 0 }, (_, i) => ({ sum: 1, timestamp: i + 1, count: { $case: 'countInt' as const, value: 1 } })),
    exemplars: Array.from({ length: s.exemplars ?? 0 }, (_, i) => ({ labels: [], value: i, timestamp: i + 1 })),
  }));
  return Buffer.from(WriteRequest.encode(WriteRequest.fromPartial({ timeseries, metadata })).finish());
}

const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,20}$/).filter((n) => n !== '__name__');
const seriesArb = fc.record({
  name: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,30}$/),
  labels: fc.uniqueArray(fc.tuple(labelName, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 })), { selector: ([n]) => n, maxLength: 6 }),
  samples: fc.array(
    fc.record({ value: fc.double({ noNaN: true }).map((v) => (v === 0 ? 0 : v)), // -0 is proto3's default: not on the wire
      timestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }) }),
    { minLength: 1, maxLength: 5 },
  ),
});

describe('decodeRemoteWrite', () => {
  it.each(['1.0', '2.0'] as const)('maps every series of a %s body to name = __name__ and labels = the rest, samples exactly', (version) => {
    fc.assert(
      fc.property(fc.array(seriesArb, { maxLength: 20 }), (input) => {
        const wire = input.map((s) => ({ labels: [['__name__', s.name] as [string, string], ...s.labels], samples: s.samples }));
        const decoded = decodeRemoteWrite(version === '1.0' ? encodeV1(wire) : encodeV2(wire), version);
        expect(decoded.refusals).toEqual([]);
        expect(decoded.samples).toBe(input.reduce((n, s) => n + s.samples.length, 0));
        expect(decoded.series).toEqual(
          input.map((s) => ({
            name: s.name,
            labels: s.labels.map(([name, value]) => ({ name, value })),
            points: s.samples.map((p) => ({ timestampMs: p.timestamp, value: p.value })),
          })),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('1.0: gives every request of a series the same shared, frozen labels, and the same result for labels written after its samples', () => {
    const labels: Array<[string, string]> = [['__name__', 'node_load1'], ['instance', 'a:9100'], ['job', 'node']];
    const first = decodeRemoteWrite(encodeV1([{ labels, samples: [{ value: 1, timestamp: 10 }] }]), '1.0').series[0];
    const second = decodeRemoteWrite(encodeV1([{ labels, samples: [{ value: 2, timestamp: 20 }] }]), '1.0').series[0];
    expect(second.labels).toBe(first.labels);
    expect(Object.isFrozen(first.labels) && Object.isFrozen(first.labels[0])).toBe(true);
    expect(isSharedLabels(first.labels)).toBe(true);
    // Another value is another identity.
    const other = decodeRemoteWrite(encodeV1([{ labels: [...labels.slice(0, 2), ['job', 'nodes']], samples: [{ value: 1, timestamp: 10 }] }]), '1.0').series[0];
    expect(other.labels).toEqual([{ name: 'instance', value: 'a:9100' }, { name: 'job', value: 'nodes' }]);
    // A sample before a label: read field by field, the same series.
    const sample = Buffer.from(prometheus.Sample.encode({ value: 3, timestamp: 30 }).finish());
    const label = (n: string, v: string) => Buffer.from(prometheus.Label.encode({ name: n, value: v }).finish());
    const field = (tag: number, bytes: Buffer) => Buffer.concat([Buffer.from([tag, bytes.length]), bytes]);
    const series = Buffer.concat([field(0x0a, label(...labels[0])), field(0x12, sample), field(0x0a, label(...labels[1])), field(0x0a, label(...labels[2]))]);
    const mixed = decodeRemoteWrite(field(0x0a, series), '1.0');
    expect(mixed.series).toEqual([{ name: 'node_load1', labels: first.labels, points: [{ timestampMs: 30, value: 3 }] }]);
    expect(mixed.series[0].labels).not.toBe(first.labels);
  });

  it("1.0: a sender churning through more series than the decoder keeps changes nothing in another's series but their sharing", () => {
    const steady: Array<[string, string]> = [['__name__', 'up'], ['job', 'steady']];
    const before = decodeRemoteWrite(encodeV1([{ labels: steady, samples: [{ value: 1, timestamp: 10 }] }]), '1.0').series[0];
    // 70,000 series each met once: more than two generations of 30,000, so lookups turn themselves off.
    const churn = Array.from({ length: 70_000 }, (_, i) => ({ labels: [['__name__', 'churn'], ['id', String(i)]] as Array<[string, string]>, samples: [{ value: i, timestamp: 10 }] }));
    const churned = decodeRemoteWrite(encodeV1(churn), '1.0');
    expect(churned.series).toHaveLength(70_000);
    expect(churned.series[69_999]).toEqual({ name: 'churn', labels: [{ name: 'id', value: '69999' }], points: [{ timestampMs: 10, value: 69_999 }] });
    const after = decodeRemoteWrite(encodeV1([{ labels: steady, samples: [{ value: 2, timestamp: 20 }] }]), '1.0').series[0];
    expect(after).toEqual({ name: 'up', labels: before.labels, points: [{ timestampMs: 20, value: 2 }] });
    expect(isSharedLabels(after.labels)).toBe(false); // decoded as before, while lookups are off
  });

  it.each(['1.0', '2.0'] as const)('%s: drops labels with an empty value (the same series in Prometheus) and refuses a series without __name__', (version) => {
    const body = (version === '1.0' ? encodeV1 : encodeV2)([
      { labels: [['__name__', 'up'], ['env', ''], ['job', 'node']], samples: [{ value: 1, timestamp: 10 }] },
      { labels: [['job', 'node']], samples: [{ value: 1, timestamp: 10 }, { value: 2, timestamp: 20 }] },
    ]);
    const decoded = decodeRemoteWrite(body, version);
    expect(decoded.series).toEqual([{ name: 'up', labels: [{ name: 'job', value: 'node' }], points: [{ timestampMs: 10, value: 1 }] }]);
    expect(decoded.refusals).toEqual([
      { series: '{job="node"}', code: DoorRefusalCode.MISSING_METRIC_NAME, count: 2, message: 'the series has no __name__ label' },
    ]);
  });

  it.each(['1.0', '2.0'] as const)('%s: passes staleness markers on as NaN points, counts and names native histograms and exemplars, and keeps the float samples beside them', (version) => {
    const body = (version === '1.0' ? encodeV1 : encodeV2)([
      {
        labels: [['__name__', 'http_requests_total'], ['code', '200']],
        samples: [{ value: 5, timestamp: 10 }, { value: staleNaN, timestamp: 20 }],
        histograms: 2,
        exemplars: 3,
      },
    ]);
    const decoded = decodeRemoteWrite(body, version);
    expect(decoded.series).toEqual([
      { name: 'http_requests_total', labels: [{ name: 'code', value: '200' }], points: [{ timestampMs: 10, value: 5 }, { timestampMs: 20, value: NaN }] },
    ]);
    expect(decoded).toMatchObject({ samples: 2, staleMarkers: 1, histograms: 2, exemplars: 3 });
    expect(decoded.refusals.map((r) => [r.series, r.code, r.count])).toEqual([
      ['http_requests_total{code="200"}', DoorRefusalCode.HISTOGRAM_UNSUPPORTED, 2],
      ['http_requests_total{code="200"}', DoorRefusalCode.EXEMPLAR_UNSUPPORTED, 3],
    ]);
  });

  it('refuses an ordinary NaN sample by name (NaN in storage is staleness), and keeps infinities for validation to refuse', () => {
    const decoded = decodeRemoteWrite(
      encodeV1([{ labels: [['__name__', 'x']], samples: [{ value: Number.NaN, timestamp: 1 }, { value: Infinity, timestamp: 2 }, { value: 3, timestamp: 3 }] }]),
      '1.0',
    );
    expect(decoded.series[0].points).toEqual([{ timestampMs: 2, value: Infinity }, { timestampMs: 3, value: 3 }]);
    expect(decoded.refusals.map((r) => [r.series, r.code, r.count])).toEqual([['x', DoorRefusalCode.NON_FINITE_VALUE, 1]]);
    expect(decoded.samples).toBe(3);
  });

  it('reads a sample the same whatever its layout: the usual one and every other a sender may write', () => {
    const varint = (n: number) => {
      const out: number[] = [];
      for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n % 0x80) | 0x80);
      out.push(n);
      return out;
    };
    const value = (v: number) => [0x09, ...new Uint8Array(new Float64Array([v]).buffer)];
    const time = (t: number) => [0x10, ...varint(t)];
    const framed = (tag: number, bytes: number[]) => [tag, ...varint(bytes.length), ...bytes];
    const label = framed(0x0a, [...framed(0x0a, [...Buffer.from('__name__')]), ...framed(0x12, [...Buffer.from('x')])]);
    const body = (samples: number[][]) => Buffer.from(framed(0x0a, [...label, ...samples.flatMap((sample) => framed(0x12, sample))]));
    const t = 1_765_000_000_000;
    const decoded = decodeRemoteWrite(
      body([
        [...value(1.5), ...time(t)], // the usual layout
        [...time(t + 1), ...value(2.5)], // fields the other way round
        [...value(3.5), ...time(2 ** 50)], // an eight-byte timestamp
        [...value(4.5), 0x10, 0x80 | 0x05, 0x00], // a varint longer than it needs
        [...value(5.5), ...time(t + 2), 0x18, 0x01], // an unknown field after the timestamp
        [...value(6.5)], // no timestamp: 0
        [0x09, ...Buffer.from('020000000000f07f', 'hex'), ...time(t + 3)], // staleness (its NaN bits as sent), the usual layout
        [...time(t + 4), 0x09, ...Buffer.from('020000000000f07f', 'hex')], // and the other way round
      ]),
      '1.0',
    );
    expect(decoded.series[0].points).toEqual([
      { timestampMs: t, value: 1.5 },
      { timestampMs: t + 1, value: 2.5 },
      { timestampMs: 2 ** 50, value: 3.5 },
      { timestampMs: 5, value: 4.5 },
      { timestampMs: t + 2, value: 5.5 },
      { timestampMs: 0, value: 6.5 },
      { timestampMs: t + 3, value: NaN },
      { timestampMs: t + 4, value: NaN },
    ]);
    expect(decoded.staleMarkers).toBe(2);
  });

  it('gives a negative timestamp as NaN, for validation to refuse', () => {
    const decoded = decodeRemoteWrite(encodeV1([{ labels: [['__name__', 'x']], samples: [{ value: 1, timestamp: -5 }] }]), '1.0');
    expect(decoded.series[0].points[0].timestampMs).toBeNaN();
  });

  it('keeps metadata per metric family: 1.0 from the request, 2.0 from each series', () => {
    const v1 = decodeRemoteWrite(
      encodeV1([], [{ type: MetricMetadata_MetricType.GAUGE, metricFamilyName: 'node_load1', help: '1m load average.', unit: '' }]),
      '1.0',
    );
    expect(v1.metadata.get('node_load1')).toEqual({ type: 'gauge', help: '1m load average.', unit: '' });
    const v2 = decodeRemoteWrite(encodeV2([{ labels: [['__name__', 'cpu_seconds_total']], samples: [{ value: 1, timestamp: 1 }], help: 'CPU time.' }]), '2.0');
    expect(v2.metadata.get('cpu_seconds_total')).toEqual({ type: 'counter', help: 'CPU time.', unit: 'seconds' });
  });

  it('refuses 2.0 bodies whose references leave the symbol table, come in odd numbers, or whose table does not start empty', () => {
    const outside = Buffer.from(Request.encode(Request.fromPartial({ symbols: ['', 'a'], timeseries: [{ labelsRefs: [1, 7] }] })).finish());
    expect(() => decodeRemoteWrite(outside, '2.0')).toThrow(/symbol reference 7 is outside the table of 2/);
    const odd = Buffer.from(Request.encode(Request.fromPartial({ symbols: ['', 'a'], timeseries: [{ labelsRefs: [1] }] })).finish());
    expect(() => decodeRemoteWrite(odd, '2.0')).toThrow(/odd number/);
    const noEmpty = Buffer.from(Request.encode(Request.fromPartial({ symbols: ['a'], timeseries: [{ labelsRefs: [0, 0] }] })).finish());
    expect(() => decodeRemoteWrite(noEmpty, '2.0')).toThrow(/must start with the empty string/);
  });

  it("refuses a non-empty body with none of its version's fields (the other version's, most likely)", () => {
    const v1 = encodeV1([{ labels: [['__name__', 'up']], samples: [{ value: 1, timestamp: 1 }] }]);
    const v2 = encodeV2([{ labels: [['__name__', 'up']], samples: [{ value: 1, timestamp: 1 }] }]);
    expect(() => decodeRemoteWrite(v1, '2.0')).toThrow(/none of its fields/);
    expect(() => decodeRemoteWrite(v2, '1.0')).toThrow(/none of its fields/);
    expect(decodeRemoteWrite(Buffer.alloc(0), '2.0').series).toEqual([]);
  });

  it.each(['1.0', '2.0'] as const)('%s: random and mutated bodies give a result or RemoteWriteFormatError, nothing else', (version) => {
    const valid = version === '1.0'
      ? encodeV1([{ labels: [['__name__', 'up'], ['job', 'a']], samples: [{ value: 1, timestamp: 2 }] }])
      : encodeV2([{ labels: [['__name__', 'up'], ['job', 'a']], samples: [{ value: 1, timestamp: 2 }] }]);
    const mutated = fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(valid.length)).map(([at, byte, cut]) => {
      const copy = Buffer.from(valid);
      copy[at] = byte;
      return copy.subarray(0, cut);
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), mutated), (body) => {
        try {
          decodeRemoteWrite(body, version);
        } catch (error) {
          expect(error).toBeInstanceOf(RemoteWriteFormatError);
        }
      }),
      { numRuns: 3_000 },
    );
  });
});
