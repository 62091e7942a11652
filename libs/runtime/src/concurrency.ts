/**
 * Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order.
 *
 * On a failure no new item starts, but the calls already in flight finish before this
 * rejects with the first error: a caller that gives up (and may release a lease, or close
 * a client) has nothing of this call still running behind it.
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, lane));
  if (failure) throw failure.error;
  return results;
}

/**
 * Resolves after `ms`, or at once when `signal` aborts (or already has, or `ms` is not
 * positive). It never rejects: the caller checks the signal and decides what an abort
 * means for it. The abort listener is removed when the time is up, so a long-lived
 * signal does not collect one listener per sleep.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
