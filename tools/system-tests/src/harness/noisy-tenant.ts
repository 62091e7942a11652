import * as grpc from '@grpc/grpc-js';
import { MAX_SERIES_KEY_BYTES, RejectionCode, seriesKeyBytes } from '@strata/model';
import { snappyCompress } from '@strata/prometheus';
import { ListSeriesRequest, prometheus, prometheusWriteV2, ReadRequest, WriteRequest, WriteResponse, type Series } from '@strata/proto';
import { DAY_MS } from '@strata/storage';
import { garbage, labelBomb, nestedGroups, nestedMessages } from './protobuf-wire';
import { postRaw } from './http-raw';
import { METHODS, outcomeCode, serverStreamRaw, unaryRaw, type RawOutcome } from './raw-grpc';

const MB = 1_000_000;
const MIB = 1024 * 1024;

/** The statuses a refusal may have: precise, the client's fault or a limit, never the server's. */
export const PRECISE_REFUSALS = ['INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED', 'UNAUTHENTICATED'] as const;
const STABLE_REJECTIONS = new Set<string>(Object.values(RejectionCode));

export type Caller = 'tenant' | 'keyless' | 'wrong-key';

/** One hostile request, sent again and again. */
export interface Attack {
  readonly name: string;
  readonly caller: Caller;
  /** Which process it is sent to, through which door. */
  readonly target: 'ingest' | 'reader' | 'ingest-http' | 'reader-http';
  /** Statuses this request may get (a subset of OK and PRECISE_REFUSALS). */
  readonly allowed: readonly string[];
  /** At most this many sends. */
  readonly max: number;
  send(clients: NoiseClients, apiKey: string | undefined): Promise<RawOutcome>;
  /** For an OK answer: what is wrong with it, if anything (e.g. an unexpected rejection code). */
  checkAnswer?(outcome: RawOutcome & { ok: true }): string | undefined;
}

/** One caller's connections: a gRPC client per service, and the HTTP API base URLs. */
export interface NoiseClients {
  readonly ingest: grpc.Client;
  readonly reader: grpc.Client;
  /** Base URLs of ingest's and the reader's HTTP API ports, for the Prometheus doors' attacks. */
  readonly http?: { readonly ingest: string; readonly reader: string };
}

export interface NoisyTenantOptions {
  readonly now: number;
  /** Names written by seed(): long runs of `a`, the worst case for a `*aaa…b` glob. @default 2000 */
  readonly seedSeries?: number;
  /** The reader's glob length limit (STRATA_LIST_MAX_PATTERN_LENGTH). @default 256 */
  readonly maxPatternLength?: number;
  /** The reader's selector limit (STRATA_READ_MAX_SERIES). @default 1000 */
  readonly maxReadSeries?: number;
  /** Ingest's request size limit (STRATA_MAX_REQUEST_BYTES). @default 8 MiB */
  readonly maxRequestBytes?: number;
  /** Scales every attack's `max` (the bench runs longer). @default 1 */
  readonly countScale?: number;
  /** Also attack the HTTP API doors (Prometheus remote write and remote read): the callers' `http` URLs must be set. @default false */
  readonly httpDoors?: boolean;
}

const encodeWrite = (series: Series[]) => Buffer.from(WriteRequest.encode({ series }).finish());
const write = (body: Buffer) => (clients: { ingest: grpc.Client }, apiKey: string | undefined) => unaryRaw(clients.ingest, METHODS.write, body, apiKey, 60_000);
const read = (body: Buffer) => async (clients: { reader: grpc.Client }, apiKey: string | undefined) =>
  serverStreamRaw(clients.reader, METHODS.read, body, apiKey, { timeoutMs: 120_000, keepMessages: 0 });
const list = (body: Buffer) => (clients: { reader: grpc.Client }, apiKey: string | undefined) => unaryRaw(clients.reader, METHODS.listSeries, body, apiKey, 60_000);

/** Rejections in a Write answer that are not stable codes, or (with `expected`) not the ones expected per series. */
function checkRejections(outcome: RawOutcome & { ok: true }, expected?: ReadonlyMap<number, string>): string | undefined {
  const response = WriteResponse.decode(outcome.messages[0]!);
  const unstable = response.rejections.filter((r) => !STABLE_REJECTIONS.has(r.code));
  if (unstable.length > 0) return `rejection codes that are not stable: ${JSON.stringify(unstable.slice(0, 3))}`;
  if (!expected) return undefined;
  const got = new Map(response.rejections.map((r) => [r.seriesIndex, r.code]));
  for (const [index, code] of got) if (expected.get(index) !== code) return `series ${index} refused ${code}, expected ${expected.get(index) ?? 'acceptance'}`;
  for (const [index, code] of expected) if (!got.has(index)) return `series ${index} accepted, expected ${code}`;
  return undefined;
}

/** A label value of exactly `bytes` UTF-8 bytes in at most 1,024 UTF-16 units, mixing `€` (3 bytes) and ASCII. */
function valueOfBytes(bytes: number): string {
  const euros = Math.max(0, Math.ceil((bytes - 1_024) / 2));
  return '€'.repeat(euros) + 'x'.repeat(bytes - 3 * euros);
}

/**
 * Label sets at and just past each identity limit, one series each, with the code each
 * must get (absent: accepted). Defaults: name 255 chars, 32 labels, label name 128 chars,
 * label value 1,024 chars, key MAX_SERIES_KEY_BYTES bytes.
 */
export function poisonLabelSets(timestampMs: number): { series: Series[]; expected: Map<number, string> } {
  const one = (name: string, labels: Array<[string, string]>, code?: string) => ({
    series: { name, labels: labels.map(([n, value]) => ({ name: n, value })), points: [{ timestampMs, value: Math.random() }] },
    code,
  });
  const edge = (extra: number) => {
    const base = seriesKeyBytes('poison.edge', [{ name: 'v', value: '' }]);
    return valueOfBytes(MAX_SERIES_KEY_BYTES - base + extra);
  };
  const cases = [
    one('poison.two_long', [['a', 'x'.repeat(1_024)], ['b', 'y'.repeat(1_024)]], RejectionCode.SERIES_KEY_TOO_LONG),
    one('p'.repeat(255), [['k', 'v']]),
    one('p'.repeat(256), [['k', 'v']], RejectionCode.INVALID_NAME),
    one('poison.labels', Array.from({ length: 32 }, (_, i): [string, string] => [`l${String(i).padStart(2, '0')}`, 'v'])),
    one('poison.labels', Array.from({ length: 33 }, (_, i): [string, string] => [`l${String(i).padStart(2, '0')}`, 'v']), RejectionCode.TOO_MANY_LABELS),
    one('poison.one_long', [['v', 'v'.repeat(1_024)]]),
    one('poison.one_long', [['v', 'v'.repeat(1_025)]], RejectionCode.INVALID_LABEL_VALUE),
    one('poison.edge', [['v', edge(0)]]),
    one('poison.edge', [['v', edge(1)]], RejectionCode.SERIES_KEY_TOO_LONG),
    one('poison.label_name', [['n'.repeat(128), 'v']]),
    one('poison.label_name', [['n'.repeat(129), 'v']], RejectionCode.INVALID_LABEL_NAME),
    one('poison.all_long', Array.from({ length: 32 }, (_, i): [string, string] => [`l${String(i).padStart(2, '0')}`, 'z'.repeat(1_024)]), RejectionCode.SERIES_KEY_TOO_LONG),
    // 512 four-byte characters: 1,024 UTF-16 units (within the value limit), 2,048 bytes.
    one('poison.astral', [['v', '𝄞'.repeat(512)]], RejectionCode.SERIES_KEY_TOO_LONG),
  ];
  return {
    series: cases.map((c) => c.series),
    expected: new Map(cases.flatMap((c, i) => (c.code ? [[i, c.code] as const] : []))),
  };
}

/** Tenant A's series for the glob and the giant reads: names of 250 `a`s and a number. */
export function seedNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${'a'.repeat(250)}.${String(i).padStart(4, '0')}`);
}

/** What a noisy tenant and a keyless client send, each at most `max` times (times countScale). */
export function hostileAttacks(options: NoisyTenantOptions): Attack[] {
  const { now } = options;
  const scale = options.countScale ?? 1;
  const maxBytes = options.maxRequestBytes ?? 8 * MIB;
  const patternLength = options.maxPatternLength ?? 256;
  const readSeries = options.maxReadSeries ?? 1_000;
  const names = seedNames(Math.max(options.seedSeries ?? 2_000, readSeries + 1));
  const hugeSeries = encodeWrite([
    {
      name: 'noisy.huge',
      labels: [{ name: 'noise', value: 'full' }],
      // 100,000 points 10 ms apart, full-precision noise: the worst case for the chunk codec and the record size.
      points: Array.from({ length: 100_000 }, (_, i) => ({ timestampMs: now - 30 * 60_000 + i * 10, value: Math.random() * 1e6 })),
    },
  ]);
  const poison = poisonLabelSets(now - 60_000);
  const valid = encodeWrite([{ name: 'noisy.small', labels: [{ name: 'k', value: 'v' }], points: Array.from({ length: 50 }, (_, i) => ({ timestampMs: now - i * 1000, value: i })) }]);
  const glob = (length: number) => Buffer.from(ListSeriesRequest.encode({ match: `*${'a'.repeat(length - 2)}b`, matchers: [], fromMs: 0, toMs: 0 }).finish());
  const readOf = (selectors: string[]) =>
    Buffer.from(ReadRequest.encode({ matchers: [], series: selectors.map((name) => ({ name, labels: [] })), fromMs: now - 365 * DAY_MS, toMs: now + 60_000, stepMs: 0, aggregation: 0 }).finish());
  const bomb = labelBomb(8 * MB);
  const answered = ['OK', 'INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED'];
  const refused = ['INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED'];
  const count = (n: number) => Math.max(1, Math.round(n * scale));
  const attacks: Attack[] = [
    // Random bytes can decode: a zero tag ends a message early (as protobuf decoders do), so OK is possible, but nothing malformed may be stored.
    { name: 'garbage 8 MB', target: 'ingest', caller: 'tenant', allowed: answered, max: count(40), send: write(garbage(8 * MB, 1)), checkAnswer: (o) => checkRejections(o) },
    { name: `body of max + 1 (${maxBytes + 1} bytes)`, target: 'ingest', caller: 'tenant', allowed: ['RESOURCE_EXHAUSTED'], max: count(20), send: write(garbage(maxBytes + 1, 2)) },
    { name: 'truncated protobuf (huge series cut in half)', target: 'ingest', caller: 'tenant', allowed: refused, max: count(40), send: write(hugeSeries.subarray(0, hugeSeries.length >> 1)) },
    { name: 'unknown field as 100,000 nested groups', target: 'ingest', caller: 'tenant', allowed: answered, max: count(40), send: write(nestedGroups(100_000)), checkAnswer: (o) => checkRejections(o) },
    { name: 'unknown field as 2,000 nested messages', target: 'ingest', caller: 'tenant', allowed: answered, max: count(40), send: write(nestedMessages(2_000)), checkAnswer: (o) => checkRejections(o) },
    { name: 'label bomb 8 MB (4 M empty labels)', target: 'ingest', caller: 'tenant', allowed: answered, max: count(40), send: write(bomb), checkAnswer: (o) => checkRejections(o) },
    { name: 'poison label sets at and past each limit', target: 'ingest', caller: 'tenant', allowed: ['OK', 'RESOURCE_EXHAUSTED'], max: count(200), send: write(encodeWrite(poison.series)), checkAnswer: (o) => checkRejections(o, poison.expected) },
    { name: 'huge series: 100,000 noisy points', target: 'ingest', caller: 'tenant', allowed: ['OK', 'RESOURCE_EXHAUSTED'], max: count(12), send: write(hugeSeries), checkAnswer: (o) => checkRejections(o) },
    { name: `glob *a…b of ${patternLength} chars over long names`, target: 'reader', caller: 'tenant', allowed: ['OK', 'RESOURCE_EXHAUSTED'], max: count(100), send: list(glob(patternLength)) },
    { name: `glob of ${patternLength + 1} chars`, target: 'reader', caller: 'tenant', allowed: ['INVALID_ARGUMENT'], max: count(50), send: list(glob(patternLength + 1)) },
    { name: `read of ${readSeries} series x 1 year raw`, target: 'reader', caller: 'tenant', allowed: ['OK', 'RESOURCE_EXHAUSTED'], max: count(20), send: read(readOf(names.slice(0, readSeries))) },
    { name: `read of ${readSeries + 1} series`, target: 'reader', caller: 'tenant', allowed: refused, max: count(20), send: read(readOf(names.slice(0, readSeries + 1))) },
    { name: 'read of the huge series x 1 year raw', target: 'reader', caller: 'tenant', allowed: ['OK', 'RESOURCE_EXHAUSTED'], max: count(20), send: read(hugeSeriesRead(now)) },
    { name: 'keyless label bomb 8 MB', target: 'ingest', caller: 'keyless', allowed: ['UNAUTHENTICATED', 'RESOURCE_EXHAUSTED'], max: count(400), send: write(bomb) },
    { name: 'wrong-key label bomb 8 MB', target: 'ingest', caller: 'wrong-key', allowed: ['UNAUTHENTICATED', 'RESOURCE_EXHAUSTED'], max: count(100), send: write(bomb) },
    { name: 'keyless valid write', target: 'ingest', caller: 'keyless', allowed: ['UNAUTHENTICATED', 'RESOURCE_EXHAUSTED'], max: count(100), send: write(valid) },
    { name: 'keyless glob', target: 'reader', caller: 'keyless', allowed: ['UNAUTHENTICATED', 'RESOURCE_EXHAUSTED'], max: count(50), send: list(glob(patternLength)) },
    { name: 'keyless giant read', target: 'reader', caller: 'keyless', allowed: ['UNAUTHENTICATED', 'RESOURCE_EXHAUSTED'], max: count(50), send: read(readOf(names.slice(0, readSeries))) },
  ];
  return options.httpDoors ? [...attacks, ...httpAttacks(now, maxBytes, count)] : attacks;
}

/** Hostile requests to the Prometheus doors: ingest's remote write, the reader's remote read. */
function httpAttacks(now: number, maxBytes: number, count: (n: number) => number): Attack[] {
  const remoteWrite = (body: Buffer, contentType = 'application/x-protobuf') => (clients: NoiseClients, apiKey: string | undefined) =>
    postRaw(`${httpBase(clients).ingest}/api/v1/write`, body, { 'content-type': contentType, 'content-encoding': 'snappy', ...(apiKey && { authorization: `Bearer ${apiKey}` }) });
  const remoteRead = (body: Buffer) => (clients: NoiseClients, apiKey: string | undefined) =>
    postRaw(`${httpBase(clients).reader}/api/v1/read`, body, { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', ...(apiKey && { authorization: `Bearer ${apiKey}` }) });
  const { WriteRequest: V1 } = prometheus;
  const mixed = snappyCompress(
    V1.encode(
      V1.fromPartial({
        timeseries: [
          { labels: [{ name: '__name__', value: 'noisy_rw' }, { name: 'k', value: 'v' }], samples: [{ value: 1, timestamp: now }, { value: Number.NaN, timestamp: now - 1_000 }] },
          { labels: [{ name: '__name__', value: 'noisy_rw_hist' }], histograms: [{ sum: 1, timestamp: now, count: { $case: 'countInt', value: 1 } }] },
          { labels: [{ name: 'job', value: 'nameless' }], samples: [{ value: 1, timestamp: now }] },
        ],
      }),
    ).finish(),
  );
  const badRefs = snappyCompress(prometheusWriteV2.Request.encode(prometheusWriteV2.Request.fromPartial({ symbols: ['', 'a'], timeseries: [{ labelsRefs: [1, 99] }] })).finish());
  const claims4GiB = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0]);
  const regexRead = snappyCompress(
    prometheus.ReadRequest.encode(
      prometheus.ReadRequest.fromPartial({
        queries: [{ startTimestampMs: now - 3_600_000, endTimestampMs: now, matchers: [{ type: prometheus.LabelMatcher_Type.RE, name: '__name__', value: `(a+)+${'a'.repeat(200)}b` }] }],
      }),
    ).finish(),
  );
  const refused = ['INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED'];
  const unread = ['UNAUTHENTICATED', 'CANCELLED'];
  return [
    { name: 'remote write: 8 MB not snappy', target: 'ingest-http', caller: 'tenant', allowed: [...refused, 'CANCELLED'], max: count(40), send: remoteWrite(garbage(8 * MB, 3)) },
    { name: 'remote write: 8 bytes declaring 4 GiB', target: 'ingest-http', caller: 'tenant', allowed: refused, max: count(100), send: remoteWrite(claims4GiB) },
    { name: `remote write: body of max + 1 (${maxBytes + 1} bytes)`, target: 'ingest-http', caller: 'tenant', allowed: [...refused, 'CANCELLED'], max: count(20), send: remoteWrite(garbage(maxBytes + 1, 4)) },
    { name: 'remote write: NaN, a native histogram, a nameless series', target: 'ingest-http', caller: 'tenant', allowed: refused, max: count(100), send: remoteWrite(mixed) },
    { name: 'remote write 2.0: symbol references out of range', target: 'ingest-http', caller: 'tenant', allowed: refused, max: count(100), send: remoteWrite(badRefs, 'application/x-protobuf;proto=io.prometheus.write.v2.Request') },
    { name: 'remote read: backtracking-shaped regex over long names', target: 'reader-http', caller: 'tenant', allowed: ['OK', 'RESOURCE_EXHAUSTED'], max: count(50), send: remoteRead(regexRead) },
    { name: 'keyless remote write 8 MB', target: 'ingest-http', caller: 'keyless', allowed: unread, max: count(200), send: remoteWrite(garbage(8 * MB, 5)) },
    { name: 'keyless remote read', target: 'reader-http', caller: 'keyless', allowed: unread, max: count(100), send: remoteRead(regexRead) },
  ];
}

function httpBase(clients: NoiseClients): { ingest: string; reader: string } {
  if (!clients.http) throw new Error('HTTP door attacks need the callers\' http URLs (NoiseClients.http)');
  return clients.http;
}

/** A raw Read of the huge series over the year up to `now`. */
export function hugeSeriesRead(now: number): Buffer {
  const series = [{ name: 'noisy.huge', labels: [{ name: 'noise', value: 'full' }] }];
  return Buffer.from(ReadRequest.encode({ matchers: [], series, fromMs: now - 365 * DAY_MS, toMs: now + 60_000, stepMs: 0, aggregation: 0 }).finish());
}

/** Tenant A's long names, written once before the noise: what the glob and the giant reads run over. */
export function seedRequest(now: number, count = 2_000): Buffer {
  return encodeWrite(seedNames(count).map((name, i) => ({ name, labels: [], points: [{ timestampMs: now - 120_000, value: i }] })));
}

function summarizeWrite(answer: Buffer): string {
  const response = WriteResponse.decode(answer);
  const codes = new Map<string, number>();
  for (const r of response.rejections) codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
  return `accepted ${response.accepted}, rejections ${JSON.stringify(Object.fromEntries(codes))}`;
}

/** Counts of each attack's statuses, and everything that broke a rule. */
export class AttackTally {
  readonly counts = new Map<string, Map<string, number>>();
  readonly problems: string[] = [];
  readonly details = new Map<string, string>();

  record(attack: Attack, outcome: RawOutcome): void {
    const code = outcomeCode(outcome);
    const byCode = this.counts.get(attack.name) ?? new Map<string, number>();
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
    this.counts.set(attack.name, byCode);
    if (!this.details.has(`${attack.name}/${code}`)) {
      this.details.set(
        `${attack.name}/${code}`,
        outcome.ok ? (attack.target === 'ingest' ? summarizeWrite(outcome.messages[0]!) : `${outcome.messages.length} answers`) : outcome.error.details,
      );
    }
    if (!attack.allowed.includes(code)) {
      this.problems.push(`${attack.name}: ${code}${outcome.ok ? '' : ` (${outcome.error.details})`}, allowed ${attack.allowed.join(' | ')}`);
    } else if (outcome.ok && attack.checkAnswer) {
      const problem = attack.checkAnswer(outcome);
      if (problem) this.problems.push(`${attack.name}: ${problem}`);
    }
  }

  get total(): number {
    let n = 0;
    for (const byCode of this.counts.values()) for (const c of byCode.values()) n += c;
    return n;
  }

  /** One line per attack: `name: CODE xN, CODE xM`, then the first message of each refusal. */
  describe(): string {
    const lines = [...this.counts].map(([name, byCode]) => `  ${name}: ${[...byCode].map(([code, n]) => `${code} x${n}`).join(', ')}`);
    const messages = [...this.details].map(([key, details]) => `    ${key}: ${details.slice(0, 200)}`);
    return [...lines, '  first answer of each kind:', ...messages].join('\n');
  }
}

export interface NoiseWorkers {
  /** Concurrent writers as the noisy tenant. @default 2 */
  readonly tenantWrites?: number;
  /** Concurrent readers and listers as the noisy tenant. @default 2 */
  readonly tenantReads?: number;
  /** Concurrent keyless (and wrong-key) senders. @default 4 */
  readonly keyless?: number;
}

type Pool = 'tenantWrites' | 'tenantReads' | 'keyless';

/**
 * Sends `attacks` as fast as they are answered until `until()` or every attack has been
 * sent its `max` times. Each worker serves one pool (the tenant's writes, the tenant's
 * reads, or the keyless and wrong-key client's requests) and takes its pool's next attack
 * round-robin, so a minute-long read never holds back the tenant's writes.
 */
export async function sendNoise(
  attacks: readonly Attack[],
  /** A connection pair per caller kind, as two different clients would have. */
  clients: Record<'tenant' | 'keyless', NoiseClients>,
  keys: { tenant: string; wrong: string },
  tally: AttackTally,
  until: () => boolean,
  workers: NoiseWorkers = {},
): Promise<void> {
  const sent = new Map<Attack, number>();
  const poolOf = (a: Attack): Pool => (a.caller !== 'tenant' ? 'keyless' : a.target === 'ingest' || a.target === 'ingest-http' ? 'tenantWrites' : 'tenantReads');
  const pools: Record<Pool, Attack[]> = { tenantWrites: [], tenantReads: [], keyless: [] };
  for (const attack of attacks) pools[poolOf(attack)].push(attack);
  const cursor: Record<Pool, number> = { tenantWrites: 0, tenantReads: 0, keyless: 0 };
  const next = (pool: Pool): Attack | undefined => {
    const list = pools[pool];
    for (let i = 0; i < list.length; i++) {
      const attack = list[cursor[pool]++ % list.length]!;
      if ((sent.get(attack) ?? 0) < attack.max) {
        sent.set(attack, (sent.get(attack) ?? 0) + 1);
        return attack;
      }
    }
    return undefined;
  };
  const worker = async (pool: Pool) => {
    for (let attack = next(pool); attack && !until(); attack = next(pool)) {
      const key = attack.caller === 'tenant' ? keys.tenant : attack.caller === 'wrong-key' ? keys.wrong : undefined;
      tally.record(attack, await attack.send(clients[attack.caller === 'tenant' ? 'tenant' : 'keyless'], key));
    }
  };
  await Promise.all([
    ...Array.from({ length: workers.tenantWrites ?? 2 }, () => worker('tenantWrites')),
    ...Array.from({ length: workers.tenantReads ?? 2 }, () => worker('tenantReads')),
    ...Array.from({ length: workers.keyless ?? 4 }, () => worker('keyless')),
  ]);
}

export { MB, MIB };
