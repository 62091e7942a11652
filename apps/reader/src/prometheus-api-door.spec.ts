import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileMatchers, matchesSeries, parseSeriesKey, type LabelMatcher } from '@strata/model';
import { ApiKeyStore } from '@strata/runtime';
import { memoryLogger } from '@strata/runtime/testing';
import { HotReadError } from '@strata/storage/hot';
import { InvalidQueryError, QueryLimitError, ReadQueueFullError } from './errors';
import { labelValuesHandler, matchLabelValuesPath, prometheusApiRoutes, type PrometheusApiDoorDeps, type PrometheusApiLister } from './prometheus-api-door';
import type { LabelQuery, SeriesQuery } from './series-lister';

const SERIES = [
  'up{instance="a:9100",job="node"}',
  'up{instance="b:9100",job="node"}',
  'up{instance="localhost:9090",job="prometheus"}',
  'node_load1{instance="a:9100",job="node"}',
  'node_cpu_seconds_total{cpu="0",instance="a:9100",job="node",mode="idle"}',
  'node_cpu_seconds_total{cpu="0",instance="a:9100",job="node",mode="user"}',
  'process_start_time_seconds{instance="localhost:9090",job="prometheus"}',
];

type Call = { method: 'find' | 'labelNames' | 'labelValues'; tenant: string; query: SeriesQuery | LabelQuery; name?: string };

/** The lister's API over a fixed list of series keys; records every call; `failWith` makes each call throw. */
class FakeLister implements PrometheusApiLister {
  calls: Call[] = [];
  failWith: unknown;

  constructor(private readonly keys: readonly string[]) {}

  async find(tenant: string, query: SeriesQuery): Promise<string[]> {
    this.calls.push({ method: 'find', tenant, query });
    return this.select(query.matchers ?? []);
  }

  async labelNames(tenant: string, query: LabelQuery): Promise<string[]> {
    this.calls.push({ method: 'labelNames', tenant, query });
    const names = new Set<string>();
    for (const key of this.union(query)) {
      names.add('__name__');
      for (const l of parseSeriesKey(key).labels) names.add(l.name);
    }
    return [...names].sort();
  }

  async labelValues(tenant: string, name: string, query: LabelQuery): Promise<string[]> {
    this.calls.push({ method: 'labelValues', tenant, query, name });
    const values = new Set<string>();
    for (const key of this.union(query)) {
      const s = parseSeriesKey(key);
      const value = name === '__name__' ? s.name : s.labels.find((l) => l.name === name)?.value;
      if (value !== undefined) values.add(value);
    }
    return [...values].sort();
  }

  private union(query: LabelQuery): string[] {
    if (query.selectors.length === 0) return this.select([]);
    return [...new Set(query.selectors.flatMap((s) => this.select(s)))];
  }

  private select(matchers: readonly LabelMatcher[]): string[] {
    if (this.failWith !== undefined) throw this.failWith;
    const compiled = compileMatchers(matchers);
    if ('problem' in compiled) throw new InvalidQueryError(compiled.problem);
    return this.keys.filter((key) => {
      const { name, labels } = parseSeriesKey(key);
      return matchesSeries(compiled.matchers, name, labels);
    });
  }
}

/** What a JSON answer holds. */
interface Envelope {
  status: 'success' | 'error';
  data?: unknown;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

const KEY = 'acme-secret-1';
const AUTH = { authorization: `Bearer ${KEY}` };

describe('Prometheus HTTP API door (series, labels, label values)', () => {
  let lister: FakeLister;
  let server: Server;
  let base: string;
  const requests: Array<{ endpoint: string; status: string }> = [];
  const { logger } = memoryLogger();

  beforeAll(async () => {
    const deps: PrometheusApiDoorDeps = {
      keys: ApiKeyStore.parse(`${KEY}:acme`),
      get lister() {
        return lister;
      },
      logger,
      requests: { inc: (labels) => requests.push(labels) },
      maxSeries: 6,
    };
    // The wiring main.ts needs: exact routes, then the label values path.
    const routes = prometheusApiRoutes(deps);
    const values = labelValuesHandler(deps);
    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const name = matchLabelValuesPath(path);
      const route = routes.find((r) => r.path === path && r.method === req.method);
      const handled = name !== undefined ? values(req, res, name) : route ? route.handle(req, res) : Promise.resolve(void res.writeHead(404).end());
      handled.catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    lister = new FakeLister(SERIES);
    requests.length = 0;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const query = (params: Array<[string, string]>) => new URLSearchParams(params).toString();
  const get = async (path: string, params: Array<[string, string]> = [], headers: Record<string, string> = AUTH) => {
    const res = await fetch(`${base}${path}${params.length > 0 ? `?${query(params)}` : ''}`, { headers });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Envelope };
  };
  const post = async (path: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Envelope };
  };

  describe('GET|POST /api/v1/series', () => {
    it('answers the union of the match[] selectors as label objects, in Prometheus order, GET and POST alike', async () => {
      const params: Array<[string, string]> = [
        ['match[]', 'up{job="node"}'],
        ['match[]', '{__name__=~"up|process_.*", job="prometheus"}'],
        ['match[]', 'up{instance="a:9100"}'],
      ];
      const expected = [
        { __name__: 'process_start_time_seconds', instance: 'localhost:9090', job: 'prometheus' },
        { __name__: 'up', instance: 'a:9100', job: 'node' },
        { __name__: 'up', instance: 'b:9100', job: 'node' },
        { __name__: 'up', instance: 'localhost:9090', job: 'prometheus' },
      ];
      const viaGet = await get('/api/v1/series', params);
      expect(viaGet).toMatchObject({ status: 200, body: { status: 'success', data: expected } });
      expect(viaGet.headers.get('content-type')).toBe('application/json');
      expect(viaGet.body.warnings).toBeUndefined();
      const viaPost = await post('/api/v1/series', query(params));
      expect(viaPost).toMatchObject({ status: 200, body: { status: 'success', data: expected } });
      // One listing per selector, in the caller's tenant, with the parsed matchers.
      expect(lister.calls.filter((c) => c.method === 'find')).toHaveLength(6);
      expect(lister.calls[0]).toEqual({ method: 'find', tenant: 'acme', query: { matchers: [{ name: '__name__', type: '=', value: 'up' }, { name: 'job', type: '=', value: 'node' }] } });
      expect(JSON.stringify(viaGet.body.data).indexOf('__name__')).toBe(3);
      expect(requests).toEqual([{ endpoint: 'series', status: '200' }, { endpoint: 'series', status: '200' }]);
    });

    it('refuses a request without match[] (400 bad_data), and an empty answer is an empty list', async () => {
      expect(await get('/api/v1/series')).toMatchObject({ status: 400, body: { status: 'error', errorType: 'bad_data', error: 'no match[] parameter provided' } });
      expect((await get('/api/v1/series', [['match[]', 'nothing_here']])).body).toEqual({ status: 'success', data: [] });
    });

    it('truncates to limit with the warning Prometheus 3 gives; limit=0 or a limit not reached changes nothing', async () => {
      const all = [['match[]', '{job="node"}']] as Array<[string, string]>;
      const two = await get('/api/v1/series', [...all, ['limit', '2']]);
      expect(two.body).toEqual({
        status: 'success',
        data: [
          { __name__: 'node_cpu_seconds_total', cpu: '0', instance: 'a:9100', job: 'node', mode: 'idle' },
          { __name__: 'node_cpu_seconds_total', cpu: '0', instance: 'a:9100', job: 'node', mode: 'user' },
        ],
        warnings: ['results truncated due to limit'],
      });
      const exact = await get('/api/v1/series', [['match[]', 'up'], ['limit', '3']]);
      expect(exact.body.data).toHaveLength(3);
      expect(exact.body.warnings).toBeUndefined();
      expect((await get('/api/v1/series', [['match[]', 'up'], ['limit', '0']])).body.data).toHaveLength(3);
      expect(await get('/api/v1/series', [...all, ['limit', '-1']])).toMatchObject({ status: 400, body: { errorType: 'bad_data', error: 'invalid parameter "limit": limit must be non-negative' } });
      expect(await get('/api/v1/series', [...all, ['limit', 'ten']])).toMatchObject({ status: 400, body: { error: 'invalid parameter "limit": cannot parse "ten" as a whole number' } });
    });

    it('refuses more series than maxSeries over all selectors together, 422 execution naming the setting', async () => {
      const names = ['up', 'node_cpu_seconds_total', 'node_load1', 'process_start_time_seconds', '{job="node"}'];
      const res = await get('/api/v1/series', names.map((n) => ['match[]', n]));
      expect(res).toMatchObject({ status: 422, body: { status: 'error', errorType: 'execution' } });
      expect(res.body.error).toMatch(/more than 6 series match the 5 match\[\] selectors together \(STRATA_LIST_MAX_SERIES\)/);
      // 3 + 2 + 1 series are within the limit; the fourth listing passes it and the fifth is never made.
      expect(lister.calls).toHaveLength(4);
    });
  });

  describe('GET|POST /api/v1/labels and /api/v1/label/<name>/values', () => {
    it('answers every label name, or those of the series match[] selects, GET and POST alike', async () => {
      expect((await get('/api/v1/labels')).body).toEqual({ status: 'success', data: ['__name__', 'cpu', 'instance', 'job', 'mode'] });
      expect(lister.calls[0]).toEqual({ method: 'labelNames', tenant: 'acme', query: { selectors: [] } });
      const selected = await post('/api/v1/labels', query([['match[]', 'up'], ['match[]', 'node_load1']]));
      expect(selected.body).toEqual({ status: 'success', data: ['__name__', 'instance', 'job'] });
      expect(lister.calls[1].query).toEqual({ selectors: [[{ name: '__name__', type: '=', value: 'up' }], [{ name: '__name__', type: '=', value: 'node_load1' }]] });
    });

    it('answers the values of a label, GET and POST alike, with match[] and limit', async () => {
      expect((await get('/api/v1/label/job/values')).body).toEqual({ status: 'success', data: ['node', 'prometheus'] });
      expect((await post('/api/v1/label/instance/values', query([['match[]', '{job="node"}'], ['limit', '1']]))).body).toEqual({
        status: 'success',
        data: ['a:9100'],
        warnings: ['results truncated due to limit'],
      });
      expect(lister.calls[1]).toEqual({ method: 'labelValues', tenant: 'acme', name: 'instance', query: { selectors: [[{ name: 'job', type: '=', value: 'node' }]] } });
      expect(requests.map((r) => r.endpoint)).toEqual(['label_values', 'label_values']);
    });

    it('takes a U__-escaped label name and refuses one that is not percent-encoded UTF-8', async () => {
      await get('/api/v1/label/U__http_2e_status__code/values');
      expect(lister.calls[0].name).toBe('http.status_code');
      const bad = await get('/api/v1/label/%E0%A4/values');
      expect(bad).toMatchObject({ status: 400, body: { errorType: 'bad_data', error: 'invalid label name: "%E0%A4" (a label name is non-empty, percent-encoded UTF-8)' } });
      expect(lister.calls).toHaveLength(1);
    });

    it("answers the requests of Grafana's metric browser", async () => {
      // Grafana's Prometheus data source, its metric browser opened over the last hour.
      const range: Array<[string, string]> = [['start', '1700000000'], ['end', '1700003600']];
      const fromMs = 1_700_000_000_000;
      const toMs = 1_700_003_600_001;
      expect((await get('/api/v1/labels', range)).body.data).toEqual(['__name__', 'cpu', 'instance', 'job', 'mode']);
      expect(lister.calls[0].query).toEqual({ selectors: [], fromMs, toMs });
      expect((await get('/api/v1/label/__name__/values', range)).body.data).toEqual(['node_cpu_seconds_total', 'node_load1', 'process_start_time_seconds', 'up']);
      expect(lister.calls[1]).toMatchObject({ name: '__name__', query: { selectors: [], fromMs, toMs } });
      // A metric picked: the labels of its series, then the values of one of them.
      expect((await get('/api/v1/labels', [['match[]', 'node_cpu_seconds_total'], ...range])).body.data).toEqual(['__name__', 'cpu', 'instance', 'job', 'mode']);
      expect(lister.calls[2].query).toEqual({ selectors: [[{ name: '__name__', type: '=', value: 'node_cpu_seconds_total' }]], fromMs, toMs });
      const values = await get('/api/v1/label/mode/values', [['match[]', '{__name__="node_cpu_seconds_total", job="node"}'], ...range, ['limit', '40000']]);
      expect(values.body).toEqual({ status: 'success', data: ['idle', 'user'] });
      expect(values.status).toBe(200);
    });
  });

  describe('parameters', () => {
    it.each<[string, string, number | undefined]>([
      ['unix seconds', '1700000000', 1_700_000_000_000],
      ['unix seconds with decimals', '1700000000.123', 1_700_000_000_123],
      ['decimals past the millisecond, rounded', '1700000000.1236', 1_700_000_000_124],
      ['negative seconds', '-1.5', -1_500],
      ['an exponent', '1.7e9', 1_700_000_000_000],
      ['RFC 3339', '2023-11-14T22:13:20Z', 1_700_000_000_000],
      ['RFC 3339 with an offset and nanoseconds', '2023-11-15T00:13:20.123456789+02:00', 1_700_000_000_123],
      ['RFC 3339 before 1970', '1969-12-31T23:59:59.5Z', -500],
      ["Prometheus's MinTime, as clients send it", '-292273086-05-16T16:47:06Z', undefined],
    ])('reads start as %s', async (_, text, fromMs) => {
      expect((await get('/api/v1/labels', [['start', text]])).status).toBe(200);
      expect(lister.calls[0].query).toEqual(fromMs === undefined ? { selectors: [] } : { selectors: [], fromMs });
    });

    it("reads Prometheus's MaxTime as an open end, and the end as inclusive", async () => {
      await get('/api/v1/labels', [['end', '292277025-08-18T07:12:54.999999999Z']]);
      await get('/api/v1/labels', [['end', '10']]);
      expect(lister.calls.map((c) => c.query)).toEqual([{ selectors: [] }, { selectors: [], toMs: 10_001 }]);
    });

    it('answers a range that ends before 1970 empty, without a listing (where a toMs of 0 or less would mean no end)', async () => {
      for (const [path, params] of [['/api/v1/series', [['match[]', 'up']]], ['/api/v1/labels', []], ['/api/v1/label/job/values', []]] as Array<[string, Array<[string, string]>]>) {
        expect((await get(path, [...params, ['end', '-0.001']])).body).toEqual({ status: 'success', data: [] });
      }
      expect(lister.calls).toEqual([]);
      await get('/api/v1/labels', [['end', '0']]);
      expect(lister.calls[0].query).toEqual({ selectors: [], toMs: 1 });
    });

    it.each([['yesterday'], ['Inf'], ['NaN'], ['1e999'], ['2023-02-29T00:00:00Z'], ['2023-11-14T24:00:00Z'], ['2023-11-14 22:13:20Z'], ['0x10']])("refuses start=%s, 400 bad_data in Prometheus's words", async (text) => {
      const res = await get('/api/v1/labels', [['start', text]]);
      expect(res).toMatchObject({ status: 400, body: { status: 'error', errorType: 'bad_data', error: `invalid parameter "start": invalid time value for 'start': cannot parse ${JSON.stringify(text)} to a valid timestamp` } });
      expect(lister.calls).toEqual([]);
    });

    it('refuses a start after the end; start equal to end is one millisecond', async () => {
      for (const path of ['/api/v1/series', '/api/v1/labels', '/api/v1/label/job/values']) {
        const res = await get(path, [['match[]', 'up'], ['start', '200'], ['end', '100']]);
        expect(res).toMatchObject({ status: 400, body: { errorType: 'bad_data', error: 'end timestamp must not be before start time' } });
      }
      expect(lister.calls).toEqual([]);
      await get('/api/v1/series', [['match[]', 'up'], ['start', '100'], ['end', '100']]);
      expect(lister.calls[0].query).toMatchObject({ fromMs: 100_000, toMs: 100_001 });
    });

    it('refuses a bad selector, 400 bad_data naming the problem and where, before any listing', async () => {
      const cases: Array<[string, string, RegExp]> = [
        ['/api/v1/series', 'up{job=node}', /^invalid parameter "match\[\]": parse error at 1:8 of "up\{job=node\}": unexpected "node"$/],
        ['/api/v1/labels', 'rate(up[5m])', /a function call is not a series selector/],
        ['/api/v1/label/job/values', '{job=~".*"}', /vector selector must contain at least one non-empty matcher/],
        ['/api/v1/series', 'up{a="\\q"}', /unknown escape sequence/],
      ];
      for (const [path, selector, message] of cases) {
        const res = await get(path, [['match[]', 'up'], ['match[]', selector]]);
        expect(res).toMatchObject({ status: 400, body: { status: 'error', errorType: 'bad_data' } });
        expect(res.body.error).toMatch(message);
      }
      expect(lister.calls).toEqual([]);
    });

    it('takes 64 match[] selectors and refuses 65 naming the limit', async () => {
      const selectors = (n: number) => query(Array.from({ length: n }, (_, i) => ['match[]', `up{instance="${i}"}`] as [string, string]));
      expect((await post('/api/v1/series', selectors(64))).status).toBe(200);
      expect(lister.calls).toHaveLength(64);
      const refused = await post('/api/v1/series', selectors(65));
      expect(refused).toMatchObject({ status: 400, body: { errorType: 'bad_data', error: 'a request may hold at most 64 match[] selectors; it holds 65' } });
      expect((await post('/api/v1/labels', selectors(65))).status).toBe(400);
      expect((await post('/api/v1/label/job/values', selectors(65))).status).toBe(400);
      expect(lister.calls).toHaveLength(64);
    });

    it('takes a body of exactly 1 MiB and refuses one byte more (413), declared or chunked', async () => {
      const head = 'match[]=up&pad=';
      const exact = head + 'x'.repeat(1024 * 1024 - head.length);
      expect((await post('/api/v1/series', exact)).status).toBe(200);
      const over = await post('/api/v1/series', `${exact}x`);
      expect(over).toMatchObject({ status: 413, body: { status: 'error', errorType: 'bad_data', error: 'request body is over 1048576 bytes; send fewer or shorter match[] selectors' } });
      const chunked = await rawPost('/api/v1/labels', [Buffer.from(exact), Buffer.from('xx')]);
      expect(chunked.status).toBe(413);
      expect(chunked.headers.connection).toBe('close');
    });

    it('reads the body and the query string together (the body first), refuses a body of another type or a semicolon', async () => {
      await post('/api/v1/labels?start=100&match[]=node_load1', query([['start', '50'], ['match[]', 'up']]));
      expect(lister.calls[0].query).toEqual({ selectors: [[{ name: '__name__', type: '=', value: 'up' }], [{ name: '__name__', type: '=', value: 'node_load1' }]], fromMs: 50_000 });
      const json = await post('/api/v1/series', '{"match[]":["up"]}', { 'content-type': 'application/json' });
      expect(json).toMatchObject({ status: 400, body: { error: 'error parsing form values: unsupported Content-Type "application/json": a POST body must be application/x-www-form-urlencoded' } });
      expect(json.headers.get('connection')).toBe('close');
      const emptyPost = await fetch(`${base}/api/v1/labels?match[]=up`, { method: 'POST', headers: AUTH });
      expect(emptyPost.status).toBe(200);
      expect((await get('/api/v1/labels', [['match[]', 'up{a="x;y"}']])).status).toBe(200);
      const semicolon = await fetch(`${base}/api/v1/labels?match[]=up;start=1`, { headers: AUTH });
      expect(await semicolon.json()).toEqual({ status: 'error', errorType: 'bad_data', error: 'error parsing form values: invalid semicolon separator in query' });
      const escape = await fetch(`${base}/api/v1/labels?match[]=%zz`, { headers: AUTH });
      expect(((await escape.json()) as Envelope).error).toBe('error parsing form values: invalid URL escape "%zz"');
    });
  });

  describe('authentication and errors', () => {
    it.each([
      ['GET', '/api/v1/series?match[]=up'],
      ['POST', '/api/v1/series'],
      ['GET', '/api/v1/labels'],
      ['POST', '/api/v1/labels'],
      ['GET', '/api/v1/label/job/values'],
      ['POST', '/api/v1/label/job/values'],
    ])('answers %s %s without a key, or with an unknown one, 401 before any listing or body', async (method, path) => {
      const refused: Array<Record<string, string>> = [{}, { 'x-api-key': 'wrong' }, { authorization: `Basic ${Buffer.from('u:wrong').toString('base64')}` }];
      for (const headers of refused) {
        const res = await fetch(`${base}${path}`, { method, headers, ...(method === 'POST' ? { body: 'match[]=up' } : {}) });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/Basic/);
        expect(((await res.json()) as Envelope).status).toBe('error');
      }
      expect(lister.calls).toEqual([]);
    });

    it('takes the key as x-api-key, Bearer, or the basic auth password', async () => {
      for (const headers of [{ 'x-api-key': KEY }, AUTH, { authorization: `Basic ${Buffer.from(`grafana:${KEY}`).toString('base64')}` }]) {
        expect((await get('/api/v1/labels', [], headers)).status).toBe(200);
      }
      expect(lister.calls.map((c) => c.tenant)).toEqual(['acme', 'acme', 'acme']);
    });

    it('refuses a 50 MiB upload without a key having read at most a little of it', async () => {
      const res = await rawPost('/api/v1/series', [Buffer.alloc(1024)], { 'content-length': String(50 * 1024 * 1024) }, false);
      expect(res.status).toBe(401);
      expect(res.headers.connection).toBe('close');
    });

    it.each<[string, number, string, unknown, RegExp]>([
      ['a listing limit', 422, 'execution', new QueryLimitError('matching took more than 1000 ms of CPU time (STRATA_LIST_CPU_MS)', 'STRATA_LIST_CPU_MS', 1000), /STRATA_LIST_CPU_MS/],
      ['an invalid regular expression', 400, 'bad_data', new InvalidQueryError('the regular expression on a is not valid RE2'), /not valid RE2/],
      ['Redis down', 503, 'unavailable', new HotReadError('acme', '(series index)', 'connect ECONNREFUSED 127.0.0.1:6379'), /ECONNREFUSED.*; retry$/],
      ['a bug', 500, 'internal', new TypeError('x is undefined'), /^internal error in the reader; see the reader log$/],
    ])('maps %s to %d %s', async (_, status, errorType, error, message) => {
      lister.failWith = error;
      const endpoints: Array<[string, Array<[string, string]>]> = [['/api/v1/series', [['match[]', 'up']]], ['/api/v1/labels', []], ['/api/v1/label/job/values', []]];
      for (const [path, params] of endpoints) {
        const res = await get(path, params);
        expect(res).toMatchObject({ status, body: { status: 'error', errorType } });
        expect(res.body.error).toMatch(message);
        expect(res.headers.get('retry-after')).toBe(status === 503 ? '1' : null);
      }
    });

    it("asks for a retry when the limit is the tenant's read queue", async () => {
      lister.failWith = new ReadQueueFullError('acme', 4, 2);
      const res = await get('/api/v1/labels');
      expect(res).toMatchObject({ status: 422, body: { errorType: 'execution' } });
      expect(res.headers.get('retry-after')).toBe('1');
    });
  });

  /** A POST written by hand: chunked unless a content-length is given; resolves on the answer. */
  function rawPost(path: string, chunks: Buffer[], headers: Record<string, string> = AUTH, withKey = true): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(withKey ? AUTH : {}), ...headers } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      });
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
      for (const chunk of chunks) req.write(chunk);
      if (!headers['content-length']) req.end();
    });
  }
});

describe('matchLabelValuesPath', () => {
  it.each<[string, string | undefined]>([
    ['/api/v1/label/job/values', 'job'],
    ['/api/v1/label/__name__/values?start=1', '__name__'],
    ['/api/v1/label/my%20label/values', 'my label'],
    // Prometheus's values escaping. Its documentation's example, U__http_2e_status_code,
    // does not decode in its own code (the single `_` before "code" starts an escape):
    // Prometheus then takes the name as it came, and so does Strata.
    ['/api/v1/label/U__http_2e_status__code/values', 'http.status_code'],
    ['/api/v1/label/U__http_2e_status_code/values', 'U__http_2e_status_code'],
    ['/api/v1/label/U__a_2f_b/values', 'a/b'],
    ['/api/v1/label/U__smile_1f600_/values', 'smile😀'],
    ['/api/v1/label/U__a__b/values', 'a_b'],
    // Escapes that do not decode leave the name as it came, as in Prometheus.
    ['/api/v1/label/U__a_2e/values', 'U__a_2e'],
    ['/api/v1/label/U__a_zz_/values', 'U__a_zz_'],
    ['/api/v1/label/U__a_d800_/values', 'U__a_d800_'],
    ['/api/v1/label/U__a_10ffff_/values', 'U__a_10ffff_'],
    ['/api/v1/label/%ZZ/values', ''],
    ['/api/v1/label//values', undefined],
    ['/api/v1/label/a/b/values', undefined],
    ['/api/v1/labels', undefined],
    ['/api/v1/label/job/values/', undefined],
  ])('%s -> %j', (path, name) => {
    expect(matchLabelValuesPath(path)).toBe(name);
  });
});
