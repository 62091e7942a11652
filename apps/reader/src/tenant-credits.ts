/**
 * Bounds the storage work one tenant has in flight on a connection every tenant shares,
 * in units of that work (Redis commands). A tenant past its credits waits for its own
 * earlier calls to finish, so another tenant's call is never queued behind more than
 * `perTenant` of its commands. A single call larger than the whole allowance still runs,
 * alone, once the tenant has nothing else in flight.
 *
 * Single-threaded (event loop) state; safe for any number of concurrent calls.
 */
export class TenantCredits {
  private readonly tenants = new Map<string, { inFlight: number; readonly waiting: Array<{ units: number; grant(): void }> }>();

  constructor(private readonly perTenant: number) {
    if (!(perTenant >= 1)) throw new RangeError('a tenant needs at least one credit');
  }

  /**
   * Resolves with a release function once `units` of `tenant` may be in flight; rejects with
   * the signal's reason if it aborts first (nothing is then held).
   */
  acquire(tenant: string, units: number, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let state = this.tenants.get(tenant);
    if (!state) this.tenants.set(tenant, (state = { inFlight: 0, waiting: [] }));
    const held = state;
    const start = (): (() => void) => {
      held.inFlight += units;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held.inFlight -= units;
        this.next(tenant, held);
      };
    };
    if (held.waiting.length === 0 && this.fits(held.inFlight, units)) return Promise.resolve(start());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        held.waiting.splice(held.waiting.indexOf(waiter), 1);
        this.next(tenant, held);
        reject(signal!.reason);
      };
      const waiter = {
        units,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(start());
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      held.waiting.push(waiter);
    });
  }

  /** Units of `tenant` in flight now (for tests). */
  inFlight(tenant: string): number {
    return this.tenants.get(tenant)?.inFlight ?? 0;
  }

  private fits(inFlight: number, units: number): boolean {
    return inFlight === 0 || inFlight + units <= this.perTenant;
  }

  /** Grants the tenant's waiting calls in order while they fit; forgets an idle tenant. */
  private next(tenant: string, state: { inFlight: number; readonly waiting: Array<{ units: number; grant(): void }> }): void {
    while (state.waiting.length > 0 && this.fits(state.inFlight, state.waiting[0].units)) state.waiting.shift()!.grant();
    if (state.inFlight === 0 && state.waiting.length === 0) this.tenants.delete(tenant);
  }
}
