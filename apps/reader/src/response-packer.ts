import type { Point, ReadResponse, Series } from '@strata/proto';
import type { SortedColumns } from '@strata/storage';
import type { SeriesRef } from './read-request';

/** Upper estimate of one encoded Point: tags, lengths, a 6-to-10-byte varint time, a double. */
const POINT_BYTES = 22;
/** Messages stay well under grpc-js's 4 MiB default receive limit on clients. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Packs series into ReadResponse messages of at most `maxPoints` points (and about
 * MAX_MESSAGE_BYTES): small series share a message, a large one is split over several,
 * its parts in time order. A series with no points is left out.
 */
export class ResponsePacker {
  private series: Series[] = [];
  private points = 0;
  private bytes = 0;

  constructor(
    private readonly maxPoints: number,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {}

  /** Adds a series; yields every message that became full. */
  *add(ref: SeriesRef, columns: SortedColumns): Generator<ReadResponse> {
    const n = columns.timestamps.length;
    const header = headerBytes(ref);
    let i = 0;
    while (i < n) {
      let room = Math.min(this.maxPoints - this.points, Math.floor((this.maxBytes - this.bytes - header) / POINT_BYTES));
      if (room <= 0 && this.series.length > 0) {
        yield this.take([]);
        continue;
      }
      room = Math.max(room, 1);
      const take = Math.min(room, n - i);
      this.series.push({ name: ref.name, labels: ref.labels.map((l) => ({ ...l })), points: toPoints(columns, i, i + take) });
      this.points += take;
      this.bytes += header + take * POINT_BYTES;
      i += take;
      if (this.points >= this.maxPoints) yield this.take([]);
    }
  }

  /** The last message: what is pending plus the warnings; nothing when both are empty. */
  *finish(warnings: readonly string[]): Generator<ReadResponse> {
    if (this.series.length > 0 || warnings.length > 0) yield this.take([...warnings]);
  }

  private take(warnings: string[]): ReadResponse {
    const message = { series: this.series, warnings };
    this.series = [];
    this.points = 0;
    this.bytes = 0;
    return message;
  }
}

function headerBytes(ref: SeriesRef): number {
  return 16 + ref.name.length + ref.labels.reduce((n, l) => n + 8 + Buffer.byteLength(l.name) + Buffer.byteLength(l.value), 0);
}

function toPoints(columns: SortedColumns, from: number, to: number): Point[] {
  const points: Point[] = new Array(to - from);
  for (let i = from; i < to; i++) points[i - from] = { timestampMs: columns.timestamps[i], value: columns.values[i] };
  return points;
}
