/**
 * Offset commits that do not hold up consumption. kafkajs fetches again only once every
 * batch of the last fetch was handled, so a commit awaited in the handler adds a round trip
 * to the group coordinator to every fetch cycle, for every partition of the broker. Here a
 * commit is asked for and the handler returns; at most one commit per partition is in
 * flight, and offsets asked for meanwhile are coalesced into the newest, sent when it
 * returns. Only offsets whose records are already durable downstream are ever asked for,
 * so a commit that is lost (a crash, a rebalance) only makes the next owner repeat
 * idempotent work. Not safe to share between consumers.
 */
export class OffsetCommits {
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly waiting = new Map<number, string>();

  constructor(
    private readonly commit: (partition: number, offset: string) => Promise<void>,
    private readonly onError: (partition: number, offset: string, error: unknown) => void,
  ) {}

  /**
   * Commits `offset` (the next record to read) for `partition` now, or once the commit in
   * flight for it returns; a newer offset asked for before then replaces this one.
   */
  request(partition: number, offset: string): void {
    if (this.inFlight.has(partition)) {
      this.waiting.set(partition, offset);
      return;
    }
    this.inFlight.set(partition, this.send(partition, offset));
  }

  /** Forgets the offset waiting for `partition` (a seek moved the partition back). */
  drop(partition: number): void {
    this.waiting.delete(partition);
  }

  /** Resolves once every commit asked for so far has been sent and answered. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight.values());
  }

  private async send(partition: number, offset: string): Promise<void> {
    try {
      await this.commit(partition, offset);
    } catch (error) {
      this.onError(partition, offset, error);
    }
    const next = this.waiting.get(partition);
    this.waiting.delete(partition);
    if (next === undefined) this.inFlight.delete(partition);
    else this.inFlight.set(partition, this.send(partition, next));
  }
}
