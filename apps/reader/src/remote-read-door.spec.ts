import { crc32c, snappyCompress, snappyUncompress } from '@strata/prometheus';
import { prometheus } from '@strata/proto';
import { ApiKeyStore, HttpApiServer } from '@strata/runtime';
import { remoteReadRoute } from './remote-read-door';
import { NOW, readerHarness, W } from '../test/reader-harness';

const { ReadRequest, ReadResponse, LabelMatcher_Type, ReadRequest_ResponseType } = prometheus;
const start = Math.floor((NOW - 3 * W) / W) * W;

describe('remote read door (POST /api/v1/read)', () => {
  const h = readerHarness();
  let server: HttpApiServer;
  let url: string;

  beforeAll(async () => {
    h.hot.put('acme', 'node_load1{instance="a",job="node"}', start, 'open', [[start + 1_000, 0.5], [start + 2_000, 0.7], [start + 3_000, Number.NaN]]);
    h.hot.put('acme', 'node_load1{instance="b",job="node"}', start, 'open', [[start + 1_000, 1.5]]);
    h.hot.put('acme', 'up{job="node"}', start, 'open', [[start + 1_000, 1]]);
    h.hot.put('other', 'node_load1{instance="a",job="node"}', start, 'open', [[start + 1_000, 666]]);
    server = new HttpApiServer({
      host: '127.0.0.1',
      port: 0,
      logger: h.logger,
      routes: [remoteReadRoute({ keys: ApiKeyStore.parse('acme-secret-1:acme'), reads: h.reads, lister: h.lister, metrics: h.metrics, logger: h.logger })],
    });
    await server.start();
    url = `http://127.0.0.1:${server.port}/api/v1/read`;
  });

  afterAll(() => server.stop(100));

  const query = (matchers: Array<[string, number, string]>, from = start, to = start + W) => ({
    startTimestampMs: from,
    endTimestampMs: to,
    matchers: matchers.map(([name, type, value]) => ({ name, type, value })),
  });
  const post = (queries: ReturnType<typeof query>[], headers: Record<string, string> = {}, types: number[] = []) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', authorization: 'Bearer acme-secret-1', ...headers },
      body: snappyCompress(ReadRequest.encode(ReadRequest.fromPartial({ queries, acceptedResponseTypes: types })).finish()),
    });
  const decode = async (res: Response) => ReadResponse.decode(snappyUncompress(Buffer.from(await res.arrayBuffer()), 1 << 24));

  it('answers each query with the series its matchers select, labels sorted with __name__, staleness as the marker', async () => {
    const res = await post([
      query([['__name__', LabelMatcher_Type.EQ, 'node_load1'], ['instance', LabelMatcher_Type.RE, 'a|b']]),
      query([['job', LabelMatcher_Type.EQ, 'node'], ['__name__', LabelMatcher_Type.NEQ, 'node_load1']]),
    ]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('snappy');
    const body = Buffer.from(await res.clone().arrayBuffer());
    const { results } = await decode(res);
    expect(results[0].timeseries.map((ts) => [ts.labels.map((l) => `${l.name}=${l.value}`).join(','), ts.samples.map((s) => [s.timestamp - start, s.value])])).toEqual([
      ['__name__=node_load1,instance=a,job=node', [[1_000, 0.5], [2_000, 0.7], [3_000, NaN]]],
      ['__name__=node_load1,instance=b,job=node', [[1_000, 1.5]]],
    ]);
    expect(results[1].timeseries.map((ts) => ts.labels.map((l) => l.value))).toEqual([['up', 'node']]);
    expect(snappyUncompress(body, 1 << 24).includes(Buffer.from('020000000000f07f', 'hex'))).toBe(true);
  });

  it('reads the inclusive range [start, end]', async () => {
    const { results } = await decode(await post([query([['instance', LabelMatcher_Type.EQ, 'a']], start + 2_000, start + 3_000)]));
    expect(results[0].timeseries[0].samples.map((s) => s.timestamp - start)).toEqual([2_000, 3_000]);
  });

  it('never shows another tenant, answers an empty result for no match', async () => {
    const { results } = await decode(await post([query([['__name__', LabelMatcher_Type.EQ, 'nothing']])]));
    expect(results).toEqual([{ timeseries: [] }]);
  });

  it('answers 16 queries in one request and refuses 17, and refuses a body over 1 MiB before reading it', async () => {
    const q = () => query([['job', LabelMatcher_Type.EQ, 'node']]);
    const sixteen = await post(Array.from({ length: 16 }, q));
    expect(sixteen.status).toBe(200);
    expect((await decode(sixteen)).results).toHaveLength(16);
    const seventeen = await post(Array.from({ length: 17 }, q));
    expect(seventeen.status).toBe(400);
    expect(await seventeen.text()).toMatch(/at most 16 queries; it holds 17/);
    const big = await fetch(url, { method: 'POST', headers: { 'content-encoding': 'snappy', 'x-api-key': 'acme-secret-1' }, body: Buffer.alloc(1024 * 1024 + 1) });
    expect(big.status).toBe(413);
  });

  it.each([
    ['no key', { authorization: '' }, 401, /missing API key/],
    ['gzip', { 'content-encoding': 'gzip' }, 415, /Content-Encoding/],
  ])('answers %s with %d', async (_, headers, status, message) => {
    const res = await post([query([['job', LabelMatcher_Type.EQ, 'node']])], headers);
    expect(res.status).toBe(status);
    expect(await res.text()).toMatch(message);
  });

  it('answers 400 to an invalid regular expression or a body that is not a ReadRequest', async () => {
    const bad = await post([query([['job', LabelMatcher_Type.RE, '(']])]);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/not valid RE2/);
    const garbage = await fetch(url, { method: 'POST', headers: { 'content-encoding': 'snappy', 'x-api-key': 'acme-secret-1' }, body: snappyCompress(Buffer.from([0xff, 0xff])) });
    expect(garbage.status).toBe(400);
  });

  it('streams XOR chunks in CRC-checked frames when the sender names STREAMED_XOR_CHUNKS first', async () => {
    const res = await post([query([['instance', LabelMatcher_Type.RE, 'a|b']])], {}, [ReadRequest_ResponseType.STREAMED_XOR_CHUNKS, ReadRequest_ResponseType.SAMPLES]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse');
    const body = Buffer.from(await res.arrayBuffer());
    const frames: prometheus.ChunkedReadResponse[] = [];
    for (let at = 0; at < body.length; ) {
      let length = 0;
      let shift = 0;
      for (;;) {
        const b = body[at++];
        length += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if (b < 0x80) break;
      }
      const crc = body.readUInt32BE(at);
      const message = body.subarray(at + 4, at + 4 + length);
      expect(crc).toBe(crc32c(message));
      frames.push(prometheus.ChunkedReadResponse.decode(message));
      at += 4 + length;
    }
    const series = frames.flatMap((f) => f.chunkedSeries.map((cs) => ({ query: f.queryIndex, labels: cs.labels.map((l) => l.value).join(','), chunks: cs.chunks.map((c) => [c.minTimeMs - start, c.maxTimeMs - start, c.type]) })));
    expect(series).toEqual([
      { query: 0, labels: 'node_load1,a,node', chunks: [[1_000, 3_000, prometheus.Chunk_Encoding.XOR]] },
      { query: 0, labels: 'node_load1,b,node', chunks: [[1_000, 1_000, prometheus.Chunk_Encoding.XOR]] },
    ]);
  });
});
