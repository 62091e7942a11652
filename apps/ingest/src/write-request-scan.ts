import { MalformedRequestError, RequestTooLargeError } from './errors';

/** What a WriteRequest may hold, counted on the wire before anything is decoded. */
export interface WriteRequestShapeLimits {
  /** STRATA_MAX_POINTS_PER_REQUEST */
  readonly maxPoints: number;
  /** STRATA_MAX_SERIES_PER_REQUEST */
  readonly maxSeries: number;
  /** STRATA_MAX_LABELS_PER_REQUEST */
  readonly maxLabels: number;
}

/** What a well-formed WriteRequest holds. */
export interface WriteRequestShape {
  readonly series: number;
  readonly labels: number;
  readonly points: number;
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const FIXED32 = 5;

const WIRE_TYPE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32', 'invalid (6)', 'invalid (7)'];

/**
 * Walks the raw bytes of a strata.v1.WriteRequest (WriteRequest -> Series -> Label | Point)
 * without decoding them: no object, string or number is made for a field, only counts and
 * offsets. It runs on the event loop before the generated decoder, which would otherwise
 * build every object of a hostile body (4 million labels in 8 MB) before any limit is
 * looked at, and which ends a message at an end-group or zero tag without an error (a body
 * of garbage starting with 0x6c decoded as an empty request and was answered OK).
 *
 * Throws MalformedRequestError for anything that is not a well-formed WriteRequest in the
 * schema's encoding: a group (no field here is one, and skipping groups takes recursion),
 * a zero field number, an invalid wire type, a known field with the wrong wire type, a
 * varint longer than 10 bytes, a length past its enclosing message. Unknown fields with
 * valid wire types are skipped whole (forward compatibility), never descended into, so the
 * depth of any walk is three. Throws RequestTooLargeError as soon as a count passes its
 * limit, so a refusal costs at most the bytes up to that point.
 *
 * Linear in the body; one pass. Not reentrant across bodies (one scanner per call).
 */
export function scanWriteRequest(body: Uint8Array, limits: WriteRequestShapeLimits): WriteRequestShape {
  return new WireScanner(body, limits).scan();
}

/** Where in the message the scan is: what error messages name, built only when there is an error. */
const enum Place {
  Request,
  /** The series field about to be read, at the request's level. */
  NextSeries,
  Series,
  SeriesName,
  SeriesLabels,
  Label,
  LabelName,
  LabelValue,
  SeriesPoints,
  Point,
  Timestamp,
  Value,
}

class WireScanner {
  private pos = 0;
  private series = 0;
  private labels = 0;
  private points = 0;

  constructor(
    private readonly buf: Uint8Array,
    private readonly limits: WriteRequestShapeLimits,
  ) {}

  scan(): WriteRequestShape {
    const end = this.buf.length;
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.tag(end, Place.Request);
      if (tag >>> 3 === 1) {
        this.expect(tag, LENGTH_DELIMITED, at, Place.NextSeries);
        const seriesEnd = this.lengthEnd(end, Place.NextSeries);
        if (++this.series > this.limits.maxSeries) {
          throw new RequestTooLargeError(this.series, this.limits.maxSeries, 'series', true);
        }
        this.scanSeries(seriesEnd);
      } else {
        this.skip(tag, end, at, Place.Request);
      }
    }
    return { series: this.series, labels: this.labels, points: this.points };
  }

  private scanSeries(end: number): void {
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.tag(end, Place.Series);
      switch (tag >>> 3) {
        case 1: // name
          this.expect(tag, LENGTH_DELIMITED, at, Place.SeriesName);
          this.pos = this.lengthEnd(end, Place.SeriesName);
          break;
        case 2: // labels
          this.expect(tag, LENGTH_DELIMITED, at, Place.SeriesLabels);
          if (++this.labels > this.limits.maxLabels) {
            throw new RequestTooLargeError(this.labels, this.limits.maxLabels, 'labels', true);
          }
          this.scanLabel(this.lengthEnd(end, Place.SeriesLabels));
          break;
        case 3: // points
          this.expect(tag, LENGTH_DELIMITED, at, Place.SeriesPoints);
          if (++this.points > this.limits.maxPoints) {
            throw new RequestTooLargeError(this.points, this.limits.maxPoints, 'points', true);
          }
          this.scanPoint(this.lengthEnd(end, Place.SeriesPoints));
          break;
        default:
          this.skip(tag, end, at, Place.Series);
      }
    }
  }

  private scanLabel(end: number): void {
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.tag(end, Place.Label);
      const field = tag >>> 3;
      if (field === 1 || field === 2) {
        const place = field === 1 ? Place.LabelName : Place.LabelValue;
        this.expect(tag, LENGTH_DELIMITED, at, place);
        this.pos = this.lengthEnd(end, place);
      } else {
        this.skip(tag, end, at, Place.Label);
      }
    }
  }

  private scanPoint(end: number): void {
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.tag(end, Place.Point);
      switch (tag >>> 3) {
        case 1: // timestamp_ms, int64
          this.expect(tag, VARINT, at, Place.Timestamp);
          this.varint(end, Place.Timestamp);
          break;
        case 2: // value, double
          this.expect(tag, FIXED64, at, Place.Value);
          this.advance(8, end, Place.Value);
          break;
        default:
          this.skip(tag, end, at, Place.Point);
      }
    }
  }

  /** Reads a field's tag: a varint of at most 5 bytes (32 bits) with a field number of at least 1 and a wire type in use. */
  private tag(end: number, place: Place): number {
    const at = this.pos;
    const b = this.buf[at];
    let tag: number;
    if (b < 0x80) {
      tag = b;
      this.pos = at + 1;
    } else {
      const value = this.varint(end, place);
      if (this.pos - at > 5 || value > 0xffff_ffff) this.malformed(at, `a field tag in ${this.path(place)} is longer than 32 bits`);
      tag = value >>> 0;
    }
    const wireType = tag & 7;
    if (tag >>> 3 === 0) this.malformed(at, `a field in ${this.path(place)} has field number 0`);
    if (wireType === START_GROUP || wireType === END_GROUP) {
      this.malformed(at, `${WIRE_TYPE_NAMES[wireType]} tag (field ${tag >>> 3}) in ${this.path(place)}: no field of a WriteRequest is a group`);
    }
    if (wireType > FIXED32) this.malformed(at, `field ${tag >>> 3} in ${this.path(place)} has ${WIRE_TYPE_NAMES[wireType]} wire type`);
    return tag;
  }

  private expect(tag: number, wireType: number, at: number, field: Place): void {
    if ((tag & 7) !== wireType) {
      this.malformed(at, `${this.path(field)} has wire type ${WIRE_TYPE_NAMES[tag & 7]}, expected ${WIRE_TYPE_NAMES[wireType]}`);
    }
  }

  /** Skips an unknown field's value by its wire type, without looking inside it. */
  private skip(tag: number, end: number, at: number, place: Place): void {
    switch (tag & 7) {
      case VARINT:
        this.varint(end, place, tag >>> 3);
        return;
      case FIXED64:
        this.advance(8, end, place, tag >>> 3);
        return;
      case FIXED32:
        this.advance(4, end, place, tag >>> 3);
        return;
      case LENGTH_DELIMITED:
        this.pos = this.lengthEnd(end, place, tag >>> 3);
        return;
      default:
        this.malformed(at, `${this.path(place, tag >>> 3)} has ${WIRE_TYPE_NAMES[tag & 7]} wire type`); // tag() refuses these first
    }
  }

  /** Reads a length prefix; returns where the value ends, which must be within `end`, and leaves pos at the value. */
  private lengthEnd(end: number, place: Place, unknownField?: number): number {
    const at = this.pos;
    const length = this.varint(end, place, unknownField, 'the length of ');
    if (length > end - this.pos) {
      this.malformed(at, `${this.path(place, unknownField)} says ${length} bytes but ${end - this.pos} remain in its enclosing message`);
    }
    return this.pos + length;
  }

  private advance(bytes: number, end: number, place: Place, unknownField?: number): void {
    if (bytes > end - this.pos) this.malformed(this.pos, `${this.path(place, unknownField)} needs ${bytes} bytes but ${end - this.pos} remain`);
    this.pos += bytes;
  }

  /**
   * Reads a varint of at most 10 bytes, ending before `end`. The value is exact up to
   * 2^53; above that it is only known to be larger than any length here, which is all a
   * length check needs.
   */
  private varint(end: number, place: Place, unknownField?: number, what = ''): number {
    const start = this.pos;
    const limit = Math.min(end, start + 10);
    let value = 0;
    let scale = 1;
    for (let i = start; i < limit; i++) {
      const b = this.buf[i];
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.pos = i + 1;
        return value;
      }
      scale *= 128;
    }
    const where = `${what}${this.path(place, unknownField)}`;
    if (limit === end && end - start < 10) this.malformed(start, `${where} is a varint cut off by the end of its message`);
    return this.malformed(start, `${where} is a varint longer than 10 bytes`);
  }

  /** The field the scan is in, e.g. WriteRequest.series[3].labels.value, or an unknown field of it. */
  private path(place: Place, unknownField?: number): string {
    const series = `WriteRequest.series[${this.series - 1}]`;
    const paths: Record<Place, string> = {
      [Place.Request]: 'WriteRequest',
      [Place.NextSeries]: `WriteRequest.series[${this.series}]`,
      [Place.Series]: series,
      [Place.SeriesName]: `${series}.name`,
      [Place.SeriesLabels]: `${series}.labels`,
      [Place.Label]: `${series}.labels`,
      [Place.LabelName]: `${series}.labels.name`,
      [Place.LabelValue]: `${series}.labels.value`,
      [Place.SeriesPoints]: `${series}.points`,
      [Place.Point]: `${series}.points`,
      [Place.Timestamp]: `${series}.points.timestamp_ms`,
      [Place.Value]: `${series}.points.value`,
    };
    return unknownField === undefined ? paths[place] : `unknown field ${unknownField} in ${paths[place]}`;
  }

  private malformed(at: number, what: string): never {
    throw new MalformedRequestError(`${what}, at byte ${at}`);
  }
}
