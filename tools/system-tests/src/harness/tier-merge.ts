/** Points of one chunk as decoded: timestamps and values, in the chunk's order. */
export interface ChunkPoints {
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/** What the tiers hold for one window of one series. */
export interface WindowTiers {
  readonly start: number;
  /** The DynamoDB item's chunk. */
  readonly warm?: ChunkPoints;
  /** Redis `c`: the sealed window, packed. */
  readonly packed?: ChunkPoints;
  /** Redis `f`: points taken out of `o` by a seal in progress; ms offset → value. */
  readonly sealing: ReadonlyMap<number, number>;
  /** Redis `o`: the open window; ms offset → value. */
  readonly open: ReadonlyMap<number, number>;
}

export interface MergedSeries {
  /** What a reader must answer: per timestamp the hottest copy wins (o over f over c over DynamoDB). */
  readonly union: Map<number, number>;
  /** The warm tier alone. */
  readonly warm: Map<number, number>;
  /** Broken invariants: a timestamp twice in one chunk, a point outside its window. */
  readonly anomalies: string[];
}

/**
 * Merges the tiers of a series the way the write path layers them: points flow
 * o → f → (c and DynamoDB), and whatever is still hot is newer than what was sealed.
 */
export function mergeSeriesTiers(windows: readonly WindowTiers[], windowMs: number): MergedSeries {
  const union = new Map<number, number>();
  const warm = new Map<number, number>();
  const anomalies: string[] = [];
  const inWindow = (start: number, t: number, where: string) => {
    if (t < start || t >= start + windowMs) anomalies.push(`${where}: timestamp ${t} outside window [${start}, ${start + windowMs})`);
  };
  const addChunk = (start: number, chunk: ChunkPoints | undefined, where: string, into: Map<number, number>[]) => {
    if (!chunk) return;
    const seen = new Set<number>();
    for (let i = 0; i < chunk.timestamps.length; i++) {
      const t = chunk.timestamps[i];
      if (seen.has(t)) anomalies.push(`${where}: timestamp ${t} twice in the chunk of window ${start}`);
      seen.add(t);
      inWindow(start, t, where);
      for (const map of into) map.set(t, chunk.values[i]);
    }
  };
  for (const w of [...windows].sort((a, b) => a.start - b.start)) {
    addChunk(w.start, w.warm, 'dynamodb', [warm, union]);
    addChunk(w.start, w.packed, 'redis c', [union]);
    for (const hash of [w.sealing, w.open]) {
      for (const [offset, value] of hash) {
        inWindow(w.start, w.start + offset, 'redis hash');
        union.set(w.start + offset, value);
      }
    }
  }
  return { union, warm, anomalies };
}
