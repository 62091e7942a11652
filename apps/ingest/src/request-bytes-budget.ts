/**
 * Raw request bytes a process holds for Writes it has admitted, from the moment the body
 * has arrived until the answer is sent. A body costs many times its size once decoded,
 * validated and encoded into records, so bounding the raw bytes being worked on bounds
 * that work's memory too. Not a queue: a request that does not fit is refused at once
 * (RESOURCE_EXHAUSTED, retriable) rather than held, since holding it would hold its bytes.
 *
 * The capacity is at least the largest request (config checks it), so a request alone
 * always fits. Single-threaded use only (the event loop).
 */
export class RequestBytesBudget {
  private used = 0;

  constructor(
    readonly capacity: number,
    private readonly onChange: (inUse: number) => void = () => undefined,
  ) {}

  get inUse(): number {
    return this.used;
  }

  /** False once the budget is spent: new calls are refused before their body is read. */
  hasRoom(): boolean {
    return this.used < this.capacity;
  }

  /** Takes `bytes`, returning the (idempotent) release; undefined when they do not fit. */
  tryTake(bytes: number): (() => void) | undefined {
    if (this.used + bytes > this.capacity) return undefined;
    this.used += bytes;
    this.onChange(this.used);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
      this.onChange(this.used);
    };
  }
}
