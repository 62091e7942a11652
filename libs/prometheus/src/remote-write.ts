import type { Label, Point, Series } from '@strata/proto';
import { shareLabels } from '@strata/model';
import { ByteInterner, StrataError, WIRE_BYTES, WIRE_FIXED64, WIRE_VARINT, WireError, WireReader } from '@strata/runtime';

/**
 * Prometheus remote write, 1.0 (`prometheus.WriteRequest`) and 2.0
 * (`io.prometheus.write.v2.Request`), decoded from an uncompressed body into Strata's own
 * Write: one Series per Prometheus series, named by its `__name__` and labelled by the
 * rest (docs/prometheus.md, "Names and labels"). What Strata does not store is not dropped
 * quietly: it is counted and listed as a refusal, for the door to name in its answer.
 */

export type RemoteWriteVersion = '1.0' | '2.0';

/** A refusal made while decoding, before Strata's validation: for a whole series or some of its parts. */
export interface DoorRefusal {
  /** The series as Prometheus writes it: `name{label="value",...}`. */
  readonly series: string;
  readonly code: DoorRefusalCode;
  /** Samples, histograms or exemplars refused. */
  readonly count: number;
  readonly message: string;
}

export const DoorRefusalCode = {
  /** No `__name__` label: Strata's series have a name. */
  MISSING_METRIC_NAME: 'MISSING_METRIC_NAME',
  /** Native histogram samples: not stored yet. */
  HISTOGRAM_UNSUPPORTED: 'HISTOGRAM_UNSUPPORTED',
  /** Exemplars: Strata keeps none. */
  EXEMPLAR_UNSUPPORTED: 'EXEMPLAR_UNSUPPORTED',
  /**
   * NaN samples other than staleness markers: Strata's values are finite, and NaN in
   * storage means staleness (the model's staleness.ts). Infinities are refused by
   * validation, under the same code.
   */
  NON_FINITE_VALUE: 'NON_FINITE_VALUE',
} as const;
export type DoorRefusalCode = (typeof DoorRefusalCode)[keyof typeof DoorRefusalCode];

/** Type, help and unit of a metric family, as the sender described it. */
export interface MetricMetadata {
  readonly type: string;
  readonly help: string;
  readonly unit: string;
}

export interface DecodedRemoteWrite {
  readonly version: RemoteWriteVersion;
  /** Strata's Write: the series with a name and samples to store. */
  readonly series: Series[];
  readonly refusals: DoorRefusal[];
  /** Float samples in the body, stored or not (staleness markers included). */
  readonly samples: number;
  /** Staleness markers among them, passed on as NaN points (stored as staleness). */
  readonly staleMarkers: number;
  readonly histograms: number;
  readonly exemplars: number;
  /** Per metric family name, the last description in the body. */
  readonly metadata: Map<string, MetricMetadata>;
}

/** A body that is not the message its Content-Type names. */
export class RemoteWriteFormatError extends StrataError {}

/** Prometheus's staleness marker: a NaN with this bit pattern (0x7ff0000000000002). */
export const STALE_NAN_HIGH = 0x7ff00000;
export const STALE_NAN_LOW = 0x00000002;

/**
 * A non-empty body with none of its message's fields is most likely the other version's
 * message under the wrong Content-Type (their field numbers do not overlap, by design).
 */
const NOTHING_KNOWN = 'the body has none of its fields: is the Content-Type proto= parameter the version the sender encoded?';

const METRIC_TYPES_V1 = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];

/** Decodes an uncompressed remote-write body of the given version. Throws RemoteWriteFormatError. */
export function decodeRemoteWrite(body: Buffer, version: RemoteWriteVersion): DecodedRemoteWrite {
  try {
    return version === '1.0' ? decodeV1(body) : decodeV2(body);
  } catch (error) {
    if (error instanceof WireError || error instanceof RemoteWriteFormatError) {
      const message = version === '1.0' ? 'prometheus.WriteRequest' : 'io.prometheus.write.v2.Request';
      throw new RemoteWriteFormatError(`body is not a valid ${message}: ${error.message}`);
    }
    throw error;
  }
}

/** A series' name (its `__name__`; undefined without one) and the rest of its labels, without those of empty value. */
interface Identity {
  readonly name: string | undefined;
  readonly labels: readonly Label[];
}

/** What one series of either version adds up to, before it becomes a Strata Series. */
interface SeriesParts {
  labels: Label[];
  /** The identity the labels make, when the decoder had it already. */
  identity?: Identity;
  /** Staleness markers among them as NaN. */
  points: Point[];
  staleMarkers: number;
  /** NaN samples that are not staleness markers: refused. */
  nanSamples: number;
  histograms: number;
  exemplars: number;
}

class Collector {
  readonly series: Series[] = [];
  readonly refusals: DoorRefusal[] = [];
  readonly metadata = new Map<string, MetricMetadata>();
  samples = 0;
  staleMarkers = 0;
  histograms = 0;
  exemplars = 0;

  add(parts: SeriesParts): string | undefined {
    this.samples += parts.points.length + parts.nanSamples;
    this.staleMarkers += parts.staleMarkers;
    this.histograms += parts.histograms;
    this.exemplars += parts.exemplars;
    const { name, labels } = parts.identity ?? identityOf(parts.labels);
    const text = () => describeSeries(name ?? '', labels);
    if (name === undefined || name === '') {
      const count = parts.points.length + parts.nanSamples;
      this.refusals.push({ series: text(), code: DoorRefusalCode.MISSING_METRIC_NAME, count, message: 'the series has no __name__ label' });
      return undefined;
    }
    if (parts.nanSamples > 0) {
      this.refusals.push({
        series: text(),
        code: DoorRefusalCode.NON_FINITE_VALUE,
        count: parts.nanSamples,
        message: `${parts.nanSamples} NaN sample(s) not stored: values must be finite (only staleness markers are stored as NaN)`,
      });
    }
    if (parts.histograms > 0) {
      this.refusals.push({
        series: text(),
        code: DoorRefusalCode.HISTOGRAM_UNSUPPORTED,
        count: parts.histograms,
        message: `${parts.histograms} native histogram sample(s) not stored: Strata stores float samples only`,
      });
    }
    if (parts.exemplars > 0) {
      this.refusals.push({
        series: text(),
        code: DoorRefusalCode.EXEMPLAR_UNSUPPORTED,
        count: parts.exemplars,
        message: `${parts.exemplars} exemplar(s) not stored: Strata keeps no exemplars`,
      });
    }
    // Series' labels are Label[] by their type; shared ones are frozen, and nothing after the decode changes any.
    if (parts.points.length > 0) this.series.push({ name, labels: labels as Label[], points: parts.points });
    return name;
  }

  result(version: RemoteWriteVersion): DecodedRemoteWrite {
    const { series, refusals, samples, staleMarkers, histograms, exemplars, metadata } = this;
    return { version, series, refusals, samples, staleMarkers, histograms, exemplars, metadata };
  }
}

function identityOf(given: readonly Label[]): { name: string | undefined; labels: Label[] } {
  let name: string | undefined;
  const labels: Label[] = [];
  for (const label of given) {
    if (label.name === '__name__' && name === undefined) name = label.value;
    // An empty value is the same as no label at all, in Prometheus's data model.
    else if (label.value !== '') labels.push(label);
  }
  return { name, labels };
}

/**
 * Identities of remote-write 1.0 series decoded so far, by the bytes of their labels: a
 * sender writes the same series in request after request, and decoding their strings anew
 * each time was a large part of the decode. 30,000 per generation, two generations
 * (ByteInterner): about 850 bytes an identity of five labels, its keys and checks included,
 * so 50 MiB at most. Series scraped and sent in the same order again and again all hit up to
 * 30,000 of them; well past that, lookups turn themselves off and bodies are decoded as
 * before. The labels are shared (shareLabels), so validation and the series key are worked
 * out once per identity too.
 */
const IDENTITIES_KEPT = 30_000;
const identitiesV1 = new ByteInterner<Identity>(IDENTITIES_KEPT);

/** A label set as Prometheus prints it: `name{a="x",b="y"}`. */
export function describeSeries(name: string, labels: readonly Label[]): string {
  const inner = labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(',');
  return labels.length === 0 ? name || '{}' : `${name}{${inner}}`;
}

/** Reads a Sample (value = 1, timestamp = 2) into `parts`. */
function readSample(body: Buffer, start: number, end: number, parts: SeriesParts): void {
  if (readUsualSample(body, start, end, parts)) return;
  const sample = new WireReader(body, start, end);
  let value = 0;
  let timestampMs = 0;
  let stale = false;
  while (!sample.done) {
    const tag = sample.tag();
    if (tag === ((1 << 3) | WIRE_FIXED64)) {
      const { buf, pos } = sample;
      stale = pos + 8 <= end && buf.readUInt32LE(pos + 4) === STALE_NAN_HIGH && buf.readUInt32LE(pos) === STALE_NAN_LOW;
      value = sample.double();
    } else if (tag === ((2 << 3) | WIRE_VARINT)) {
      timestampMs = sample.int64();
    } else {
      sample.skip(tag & 7);
    }
  }
  if (stale) {
    parts.staleMarkers++;
    parts.points.push({ timestampMs, value: Number.NaN });
  } else if (Number.isNaN(value)) {
    parts.nanSamples++;
  } else {
    parts.points.push({ timestampMs, value });
  }
}

/**
 * The layout every sender writes, read without a reader object: the value (tag 0x09, eight
 * bytes), then a timestamp of one to seven varint bytes (0 to 2^49 ms, the year 19,800)
 * that ends the sample. False, having read nothing, for anything else (fields in another
 * order, a negative or larger timestamp, a field left out, unknown fields): the general
 * reader takes those.
 */
function readUsualSample(body: Buffer, start: number, end: number, parts: SeriesParts): boolean {
  const length = end - start;
  if (length < 11 || length > 17 || body[start] !== 0x09 || body[start + 9] !== 0x10) return false;
  let timestampMs = 0;
  let scale = 1;
  for (let pos = start + 10; pos < end; pos++) {
    const byte = body[pos];
    timestampMs += (byte & 0x7f) * scale;
    scale *= 0x80;
    if (byte < 0x80) {
      if (pos !== end - 1) return false;
      const low = body.readUInt32LE(start + 1);
      const high = body.readUInt32LE(start + 5);
      if (high === STALE_NAN_HIGH && low === STALE_NAN_LOW) {
        parts.staleMarkers++;
        parts.points.push({ timestampMs, value: Number.NaN });
        return true;
      }
      const value = body.readDoubleLE(start + 1);
      if (Number.isNaN(value)) parts.nanSamples++;
      else parts.points.push({ timestampMs, value });
      return true;
    }
  }
  return false;
}

function newParts(): SeriesParts {
  return { labels: [], points: [], staleMarkers: 0, nanSamples: 0, histograms: 0, exemplars: 0 };
}

function decodeV1(body: Buffer): DecodedRemoteWrite {
  const out = new Collector();
  const r = new WireReader(body);
  let known = false;
  while (!r.done) {
    const tag = r.tag();
    known ||= tag === ((1 << 3) | WIRE_BYTES) || tag === ((3 << 3) | WIRE_BYTES);
    if (tag === ((1 << 3) | WIRE_BYTES)) {
      const { start, end } = r.bytes();
      out.add(readSeriesV1(body, start, end));
    } else if (tag === ((3 << 3) | WIRE_BYTES)) {
      const { start, end } = r.bytes();
      readMetadataV1(body, start, end, out.metadata);
    } else {
      r.skip(tag & 7);
    }
  }
  if (body.length > 0 && !known) throw new RemoteWriteFormatError(NOTHING_KNOWN);
  return out.result('1.0');
}

/**
 * A 1.0 series: the label fields that lead it (as every sender writes them) are looked up by
 * their bytes; labels after a sample are read field by field instead, with the same result.
 */
function readSeriesV1(body: Buffer, start: number, end: number): SeriesParts {
  const parts = newParts();
  const r = new WireReader(body, start, end);
  let labelsEnd = start;
  while (!r.done && r.tag() === ((1 << 3) | WIRE_BYTES)) {
    r.bytes();
    labelsEnd = r.pos;
  }
  r.pos = labelsEnd;
  let labelAfterSample = false;
  while (!r.done) {
    const tag = r.tag();
    if ((tag & 7) !== WIRE_BYTES) {
      r.skip(tag & 7);
      continue;
    }
    const field = tag >>> 3;
    const bounds = r.bytes();
    if (field === 1) labelAfterSample = true;
    else if (field === 2) readSample(body, bounds.start, bounds.end, parts);
    else if (field === 3) parts.exemplars++;
    else if (field === 4) parts.histograms++;
  }
  if (labelAfterSample) {
    readLabelFields(body, start, end, parts.labels);
  } else if (labelsEnd > start && !identitiesV1.interning()) {
    readLabelFields(body, start, labelsEnd, parts.labels);
  } else if (labelsEnd > start) {
    parts.identity = identitiesV1.get(body, start, labelsEnd, () => {
      const labels: Label[] = [];
      readLabelFields(body, start, labelsEnd, labels);
      const identity = identityOf(labels);
      return { name: identity.name, labels: shareLabels(identity.labels) };
    });
  }
  return parts;
}

/** Every label field (1) of a series' bytes, in order, into `into`. */
function readLabelFields(body: Buffer, start: number, end: number, into: Label[]): void {
  const r = new WireReader(body, start, end);
  while (!r.done) {
    const tag = r.tag();
    if (tag !== ((1 << 3) | WIRE_BYTES)) {
      r.skip(tag & 7);
      continue;
    }
    const bounds = r.bytes();
    into.push(readLabelV1(body, bounds.start, bounds.end));
  }
}

function readLabelV1(body: Buffer, start: number, end: number): Label {
  const r = new WireReader(body, start, end);
  let name = '';
  let value = '';
  while (!r.done) {
    const tag = r.tag();
    if (tag === ((1 << 3) | WIRE_BYTES)) name = r.string();
    else if (tag === ((2 << 3) | WIRE_BYTES)) value = r.string();
    else r.skip(tag & 7);
  }
  return { name, value };
}

function readMetadataV1(body: Buffer, start: number, end: number, into: Map<string, MetricMetadata>): void {
  const r = new WireReader(body, start, end);
  let type = 0;
  let family = '';
  let help = '';
  let unit = '';
  while (!r.done) {
    const tag = r.tag();
    if (tag === ((1 << 3) | WIRE_VARINT)) type = r.varint();
    else if (tag === ((2 << 3) | WIRE_BYTES)) family = r.string();
    else if (tag === ((4 << 3) | WIRE_BYTES)) help = r.string();
    else if (tag === ((5 << 3) | WIRE_BYTES)) unit = r.string();
    else r.skip(tag & 7);
  }
  if (family !== '') into.set(family, { type: METRIC_TYPES_V1[type] ?? 'unknown', help, unit });
}

function decodeV2(body: Buffer): DecodedRemoteWrite {
  // Symbols may follow the series that use them: find both first, then read the series.
  const symbols: string[] = [];
  const series: Array<{ start: number; end: number }> = [];
  const r = new WireReader(body);
  while (!r.done) {
    const tag = r.tag();
    if (tag === ((4 << 3) | WIRE_BYTES)) symbols.push(r.string());
    else if (tag === ((5 << 3) | WIRE_BYTES)) series.push(r.bytes());
    else r.skip(tag & 7);
  }
  if (body.length > 0 && symbols.length === 0 && series.length === 0) throw new RemoteWriteFormatError(NOTHING_KNOWN);
  if (series.length > 0 && symbols[0] !== '') {
    throw new RemoteWriteFormatError('the symbol table must start with the empty string');
  }
  const out = new Collector();
  for (const { start, end } of series) {
    const parts = newParts();
    const refs: number[] = [];
    let metadata: { type: number; help: number; unit: number } | undefined;
    const s = new WireReader(body, start, end);
    while (!s.done) {
      const tag = s.tag();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 && wire === WIRE_BYTES) {
        const bounds = s.bytes();
        const packed = new WireReader(body, bounds.start, bounds.end);
        while (!packed.done) refs.push(packed.varint());
      } else if (field === 1 && wire === WIRE_VARINT) {
        refs.push(s.varint());
      } else if (field === 2 && wire === WIRE_BYTES) {
        const bounds = s.bytes();
        readSample(body, bounds.start, bounds.end, parts);
      } else if (field === 3 && wire === WIRE_BYTES) {
        s.bytes();
        parts.histograms++;
      } else if (field === 4 && wire === WIRE_BYTES) {
        s.bytes();
        parts.exemplars++;
      } else if (field === 5 && wire === WIRE_BYTES) {
        const bounds = s.bytes();
        metadata = readMetadataV2(body, bounds.start, bounds.end);
      } else {
        s.skip(wire);
      }
    }
    if (refs.length % 2 !== 0) throw new RemoteWriteFormatError('labels_refs has an odd number of entries');
    for (let i = 0; i < refs.length; i += 2) parts.labels.push({ name: symbol(symbols, refs[i]), value: symbol(symbols, refs[i + 1]) });
    const name = out.add(parts);
    if (name !== undefined && metadata !== undefined && metadata.type !== 0) {
      out.metadata.set(name, {
        type: METRIC_TYPES_V1[metadata.type] ?? 'unknown',
        help: symbol(symbols, metadata.help),
        unit: symbol(symbols, metadata.unit),
      });
    }
  }
  return out.result('2.0');
}

function symbol(symbols: readonly string[], ref: number): string {
  if (ref >= symbols.length) {
    throw new RemoteWriteFormatError(`symbol reference ${ref} is outside the table of ${symbols.length}`);
  }
  return symbols[ref];
}

function readMetadataV2(body: Buffer, start: number, end: number): { type: number; help: number; unit: number } {
  const r = new WireReader(body, start, end);
  const meta = { type: 0, help: 0, unit: 0 };
  while (!r.done) {
    const tag = r.tag();
    if (tag === ((1 << 3) | WIRE_VARINT)) meta.type = r.varint();
    else if (tag === ((3 << 3) | WIRE_VARINT)) meta.help = r.varint();
    else if (tag === ((4 << 3) | WIRE_VARINT)) meta.unit = r.varint();
    else r.skip(tag & 7);
  }
  return meta;
}
