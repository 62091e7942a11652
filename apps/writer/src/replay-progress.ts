/**
 * Tracks a replay against the partition end offsets taken when it began: done when every
 * partition has processed up to its end (records written after the start are the main
 * group's business).
 */
export class ReplayProgress {
  private readonly processed = new Map<number, bigint>();

  constructor(
    /** Partition → offset of the first record not to replay (the high watermark at start). */
    private readonly ends: ReadonlyMap<number, bigint>,
    /** Partition → offset the replay starts from. */
    private readonly starts: ReadonlyMap<number, bigint>,
  ) {}

  record(partition: number, lastOffset: string): void {
    const next = BigInt(lastOffset) + 1n;
    if (next > (this.processed.get(partition) ?? -1n)) this.processed.set(partition, next);
  }

  done(): boolean {
    for (const [partition, end] of this.ends) {
      if ((this.processed.get(partition) ?? this.starts.get(partition) ?? 0n) < end) return false;
    }
    return true;
  }

  /** Records replayed and records to replay in total. */
  totals(): { replayed: number; total: number } {
    let replayed = 0n;
    let total = 0n;
    for (const [partition, end] of this.ends) {
      const start = this.starts.get(partition) ?? 0n;
      const at = this.processed.get(partition) ?? start;
      total += end > start ? end - start : 0n;
      replayed += (at < end ? at : end) - start > 0n ? (at < end ? at : end) - start : 0n;
    }
    return { replayed: Number(replayed), total: Number(total) };
  }
}
