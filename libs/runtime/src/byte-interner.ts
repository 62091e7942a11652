/**
 * Values made from byte ranges, kept by the bytes that made them: a decoder that meets the
 * same bytes again (a series' identity in every request and record that carries it) gets
 * the same object back instead of decoding new strings and objects, and every string in it
 * is one whose hash a Map computed before.
 *
 * Bounded in two generations of at most `capacity` entries each: a hit in the older one
 * moves the entry into the newer; when the newer is full, the older is dropped and the
 * newer takes its place. What is used keeps its place, what is not goes within two
 * generations, and a working set larger than both costs a miss per lookup, never memory.
 *
 * Values must never change once made (freeze them): every caller of {@link get} for the
 * same bytes shares one.
 */
export class ByteInterner<T> {
  private current = new Map<string, T>();
  private previous = new Map<string, T>();

  constructor(private readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`an interner holds at least 1 entry, not ${capacity}`);
  }

  /** The value of `buf[start, end)`, made by `make` when those bytes are not held. */
  get(buf: Buffer, start: number, end: number, make: () => T): T {
    // One byte per character: the key is the bytes themselves, whatever they encode.
    const key = buf.toString('latin1', start, end);
    let value = this.current.get(key);
    if (value !== undefined) return value;
    value = this.previous.get(key);
    if (value === undefined) value = make();
    else this.previous.delete(key);
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
    return value;
  }

  /** Entries held, in both generations. */
  get size(): number {
    return this.current.size + this.previous.size;
  }
}
