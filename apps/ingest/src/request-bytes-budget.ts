import type { TenantRate } from '@strata/runtime';
import { BytesInFlightError, BytesRateLimitedError, TenantBytesInFlightError } from './errors';

/**
 * Raw request bytes a process holds for Writes it has admitted, from the moment the body
 * has arrived until the answer is sent. A body costs many times its size once decoded,
 * validated and encoded into records, so bounding the raw bytes being worked on bounds
 * that work's memory too. Not a queue: a request that does not fit is refused at once
 * (RESOURCE_EXHAUSTED, retriable) rather than held, since holding it would hold its bytes.
 *
 * Each tenant may hold at most `tenantCapacity` of it, so one tenant sending its largest
 * bodies as fast as they are answered still leaves the rest for everyone else's writes.
 *
 * The capacity and the tenant capacity are at least the largest request (config checks
 * it), so a request alone always fits. Single-threaded use only (the event loop).
 */
export class RequestBytesBudget {
  private used = 0;
  private readonly byTenant = new Map<string, number>();

  constructor(
    readonly capacity: number,
    private readonly onChange: (inUse: number) => void = () => undefined,
    readonly tenantCapacity: number = capacity,
  ) {}

  get inUse(): number {
    return this.used;
  }

  /** Bytes `tenant`'s admitted requests hold. */
  tenantInUse(tenant: string): number {
    return this.byTenant.get(tenant) ?? 0;
  }

  /** False once the budget (or, given a tenant, its share) is spent: new calls are refused before their body is read. */
  hasRoom(tenant?: string): boolean {
    return this.used < this.capacity && (tenant === undefined || this.tenantInUse(tenant) < this.tenantCapacity);
  }

  /** Takes `bytes` (for `tenant`, from its share too), returning the (idempotent) release; undefined when they do not fit. */
  tryTake(bytes: number, tenant?: string): (() => void) | undefined {
    if (this.used + bytes > this.capacity) return undefined;
    if (tenant !== undefined && this.tenantInUse(tenant) + bytes > this.tenantCapacity) return undefined;
    this.used += bytes;
    if (tenant !== undefined) this.byTenant.set(tenant, this.tenantInUse(tenant) + bytes);
    this.onChange(this.used);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
      if (tenant !== undefined) {
        const left = this.tenantInUse(tenant) - bytes;
        if (left > 0) this.byTenant.set(tenant, left);
        else this.byTenant.delete(tenant);
      }
      this.onChange(this.used);
    };
  }
}

/**
 * Why `bytes` (undefined: any more bytes) do not fit: the tenant's share when it is a
 * share (smaller than the whole) and spent, else the process's budget.
 */
export function budgetRefusal(budget: RequestBytesBudget, tenant: string, bytes: number | undefined): BytesInFlightError | TenantBytesInFlightError {
  const tenantInUse = budget.tenantInUse(tenant);
  const overShare = bytes === undefined ? tenantInUse >= budget.tenantCapacity : tenantInUse + bytes > budget.tenantCapacity;
  return overShare && budget.tenantCapacity < budget.capacity
    ? new TenantBytesInFlightError(tenant, bytes, tenantInUse, budget.tenantCapacity)
    : new BytesInFlightError(bytes, budget.inUse, budget.capacity);
}

/**
 * Why a known tenant's next body must be refused before it is read, if it must: the
 * process's or the tenant's bytes in flight are spent, or the tenant is in debt on its byte
 * rate. The one check both front doors (gRPC and remote write) make before any body.
 */
export function refusalBeforeBody(budget: RequestBytesBudget, byteRate: TenantRate | undefined, tenant: string): BytesInFlightError | TenantBytesInFlightError | BytesRateLimitedError | undefined {
  if (!budget.hasRoom(tenant)) return budgetRefusal(budget, tenant, undefined);
  const waitMs = byteRate?.waitMs(tenant) ?? 0;
  if (waitMs > 0) return new BytesRateLimitedError(tenant, byteRate!.rateOf(tenant), waitMs, byteRate!.overridden(tenant));
  return undefined;
}
