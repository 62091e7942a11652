import type { ByteRange, ObjectStore } from '../cold/object-store';

/**
 * An in-memory {@link ObjectStore} for tests and tools: same contract as S3 (strongly
 * consistent, ranges, sorted listings), with every request recorded and an optional
 * failure switch.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();
  readonly requests: Array<{ op: 'get' | 'put' | 'list' | 'delete'; key: string; range?: ByteRange }> = [];
  /** When set, every request rejects with this error. */
  failWith: Error | undefined;

  async get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    this.record('get', key, range);
    const object = this.objects.get(key);
    if (!object) return undefined;
    if (!range) return object.slice();
    if (range.end > object.length) throw new Error(`range ${range.start}-${range.end} beyond the ${object.length}-byte object ${key}`);
    return object.slice(range.start, range.end);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.record('put', key);
    this.objects.set(key, bytes.slice());
  }

  async list(prefix: string, options: { delimiter?: string } = {}): Promise<{ keys: string[]; prefixes: string[] }> {
    this.record('list', prefix);
    const keys: string[] = [];
    const prefixes = new Set<string>();
    for (const key of [...this.objects.keys()].sort()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const cut = options.delimiter ? rest.indexOf(options.delimiter) : -1;
      if (cut >= 0) prefixes.add(prefix + rest.slice(0, cut + options.delimiter!.length));
      else keys.push(key);
    }
    return { keys, prefixes: [...prefixes].sort() };
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      this.record('delete', key);
      this.objects.delete(key);
    }
  }

  /** Requests recorded so far of one operation. */
  count(op: 'get' | 'put' | 'list' | 'delete'): number {
    return this.requests.filter((r) => r.op === op).length;
  }

  private record(op: 'get' | 'put' | 'list' | 'delete', key: string, range?: ByteRange): void {
    if (this.failWith) throw this.failWith;
    this.requests.push({ op, key, ...(range && { range }) });
  }
}
