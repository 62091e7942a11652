/**
 * Values made from byte ranges, kept by the bytes that made them: a decoder that meets the
 * same bytes again (a series' identity in every request and record that carries it) gets
 * the same object back instead of decoding new strings and objects, and every string in it
 * is one whose hash a Map computed before.
 *
 * Bounded in two generations of at most `capacity` entries each: a hit in the older one
 * moves the entry into the newer; when the newer is full, the older is dropped and the
 * newer takes its place. What is used keeps its place, what is not goes within two
 * generations.
 *
 * A working set larger than that makes most lookups miss, and a miss costs more than no
 * lookup at all (the key, the entry, and the value kept alive for nothing). So a generation
 * that fills with fewer than `minHitRate` of its lookups hits (the first after a start
 * aside: it fills from nothing) turns lookups off for the next `4 × capacity` of them:
 * {@link interning} says so, and the caller decodes as if there were no interner. Then both
 * generations are dropped and it tries again.
 *
 * Values must never change once made (freeze them): every caller of {@link get} for the
 * same bytes shares one.
 */
export class ByteInterner<T> {
  private current = new Map<string, T>();
  private previous = new Map<string, T>();
  private hits = 0;
  private lookups = 0;
  /** Generations filled since the last start: the first is not judged by its hits. */
  private filled = 0;
  /** Lookups left to skip while off. */
  private skipping = 0;

  constructor(
    private readonly capacity: number,
    private readonly minHitRate = 0.25,
  ) {
    if (!(capacity >= 1)) throw new RangeError(`an interner holds at least 1 entry, not ${capacity}`);
  }

  /**
   * Whether the caller should look its next value up ({@link get}); false while lookups are
   * off. Each call counts as one lookup towards turning them on again.
   */
  interning(): boolean {
    if (this.skipping === 0) return true;
    this.skipping--;
    return false;
  }

  /** The value of `buf[start, end)`, made by `make` when those bytes are not held. */
  get(buf: Buffer, start: number, end: number, make: () => T): T {
    // One byte per character: the key is the bytes themselves, whatever they encode.
    const key = buf.toString('latin1', start, end);
    this.lookups++;
    let value = this.current.get(key);
    if (value !== undefined) {
      this.hits++;
      return value;
    }
    value = this.previous.get(key);
    if (value === undefined) value = make();
    else {
      this.hits++;
      this.previous.delete(key);
    }
    if (this.current.size >= this.capacity) this.turnOver();
    this.current.set(key, value);
    return value;
  }

  /** Entries held, in both generations. */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  private turnOver(): void {
    const judged = this.filled > 0;
    this.filled++;
    if (judged && this.hits < this.minHitRate * this.lookups) {
      this.current = new Map();
      this.previous = new Map();
      this.filled = 0;
      this.skipping = 4 * this.capacity;
    } else {
      this.previous = this.current;
      this.current = new Map();
    }
    this.hits = 0;
    this.lookups = 0;
  }
}
