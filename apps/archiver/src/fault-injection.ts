import type { ByteRange, ObjectStore } from '@strata/storage/cold';

/**
 * An ObjectStore that kills its own process (SIGKILL: no cleanup, no flush) right after
 * the Nth PUT succeeded. Only STRATA_ARCHIVE_FAULT_KILL_AFTER_PUTS turns it on; the crash
 * specs use it to stop the archiver at every step between two PUTs.
 */
export class KillAfterPuts implements ObjectStore {
  private puts = 0;

  constructor(
    private readonly inner: ObjectStore,
    private readonly limit: number,
    private readonly kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
  ) {}

  get(key: string, range?: ByteRange, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    return this.inner.get(key, range, signal);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.inner.put(key, bytes);
    if (++this.puts >= this.limit) this.kill();
  }

  list(prefix: string, options?: { delimiter?: string }): Promise<{ keys: string[]; prefixes: string[] }> {
    return this.inner.list(prefix, options);
  }

  delete(keys: readonly string[]): Promise<void> {
    return this.inner.delete(keys);
  }
}
