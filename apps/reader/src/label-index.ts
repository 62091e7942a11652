import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { parseSeriesKey, type CompiledMatcher } from '@strata/model';
import type { CatalogRead } from '@strata/storage/hot';

/** What the index reads the hot catalogue through (RedisSeriesCatalog). */
export interface CatalogSource {
  /** The tenant's position and up to `limit` changes after `afterSeq`, read together. */
  read(tenant: string, afterSeq: number, limit: number): Promise<CatalogRead>;
}

/**
 * A span of archived days whose series the cold tier lists (a month's rollup blocks, or a
 * day's blocks). `id` changes whenever its content may have (it names the blocks).
 */
export interface ArchivedPeriod {
  readonly id: string;
  readonly oldestDay: number;
  readonly newestDay: number;
  keys(signal?: AbortSignal): Promise<readonly string[]>;
}

/** The cold tier's side: every archived period of a tenant from `sinceDay` on. */
export interface ArchivedSeriesSource {
  periods(tenant: string, sinceDay: number, signal?: AbortSignal): Promise<readonly ArchivedPeriod[]>;
}

export interface LabelIndexOptions {
  readonly catalog: CatalogSource;
  readonly archived?: ArchivedSeriesSource;
  /** The tenant's first day still kept (retention): archived periods before it are not loaded. */
  readonly firstKeptDay: (tenant: string, nowMs: number) => number;
  /** How often the archived periods are looked at again (a look costs a catalog GET per year, cached). @default 60000 */
  readonly archivedRefreshMs?: number;
  /** Catalogue changes read per Redis round trip. @default 5000 */
  readonly pageSize?: number;
  /**
   * How often the index of a tenant used lately is brought up to date in the background
   * (`follow`), so that a query meets only the changes of the last interval, not a burst of
   * new series since its tenant's previous query. 0 turns following off. @default 250
   */
  readonly followMs?: number;
  /** A tenant is followed until this long after its last use. @default 300000 */
  readonly followIdleMs?: number;
  /**
   * Most tenants followed at once, the most recently used: each costs one catalogue read
   * per interval, so a reader serving thousands of tenants follows the busiest. @default 100
   */
  readonly followTenants?: number;
  readonly now?: () => number;
}

/** Checks the caller's budget between steps: throws to stop, resolves after yielding. */
export type Pace = () => Promise<void>;

const DAY_MS = 86_400_000;
const NO_DAY = { from: -Infinity, to: Infinity };

/**
 * The label index of one tenant, in the reader's memory: every series the catalogue and
 * the cold tier know, with the UTC days of its oldest and newest points, and inverted
 * lists (postings) from each label name and value to the series that carry it. Series are
 * numbered in the order the index learns them, so every postings list is sorted as it
 * grows. See docs/label-index.md.
 */
export class TenantLabelIndex {
  epoch: string | null | undefined = undefined;
  seq = 0;
  readonly keys: string[] = [];
  private readonly ordinals = new Map<string, number>();
  private oldest: Float64Array = new Float64Array(1024);
  private newest: Float64Array = new Float64Array(1024);
  /** label name → value → ordinals, ascending. `__name__` holds the series names. */
  private readonly postings = new Map<string, Map<string, number[]>>();
  /** label name → its values, sorted; dropped when the name gains a value. */
  private readonly sortedValues = new Map<string, string[]>();
  readonly archivedLoaded = new Set<string>();
  archivedCheckedAt = -Infinity;

  get size(): number {
    return this.keys.length;
  }

  /** Adds a series, or widens its days. */
  upsert(key: string, oldestDay: number, newestDay: number): void {
    const known = this.ordinals.get(key);
    if (known !== undefined) {
      if (oldestDay < this.oldest[known]) this.oldest[known] = oldestDay;
      if (newestDay > this.newest[known]) this.newest[known] = newestDay;
      return;
    }
    const ordinal = this.keys.length;
    if (ordinal === this.oldest.length) {
      this.oldest = grow(this.oldest);
      this.newest = grow(this.newest);
    }
    this.keys.push(key);
    this.ordinals.set(key, ordinal);
    this.oldest[ordinal] = oldestDay;
    this.newest[ordinal] = newestDay;
    const { name, labels } = parseSeriesKey(key);
    this.post('__name__', name, ordinal);
    for (const l of labels) this.post(l.name, l.value, ordinal);
  }

  private post(name: string, value: string, ordinal: number): void {
    let values = this.postings.get(name);
    if (!values) this.postings.set(name, (values = new Map()));
    const list = values.get(value);
    if (list) list.push(ordinal);
    else {
      values.set(value, [ordinal]);
      this.sortedValues.delete(name);
    }
  }

  /** Whether the series has a point in the day span (by its oldest and newest day). */
  private within(ordinal: number, days: DaySpan): boolean {
    return this.newest[ordinal] >= days.from && this.oldest[ordinal] <= days.to;
  }

  /** Label names in the index. */
  nameCount(): number {
    return this.postings.size;
  }

  /** Values of a label name in the index. */
  valueCount(name: string): number {
    return this.postings.get(name)?.size ?? 0;
  }

  /** How many series the matchers' cheapest equality selects (or the whole index): the cost estimate of a selection. */
  estimate(matchers: readonly CompiledMatcher[]): number {
    let best = this.size;
    for (const m of matchers) if (m.type === '=' && m.value !== '') best = Math.min(best, this.postings.get(m.name)?.get(m.value)?.length ?? 0);
    return best;
  }

  /**
   * The ordinals of the series every matcher selects, with a point in `days`, ascending.
   * As Prometheus: matchers that select the empty value also select series without the
   * label; the others narrow from their postings, intersected smallest first.
   */
  async select(matchers: readonly CompiledMatcher[], days: DaySpan, pace: Pace): Promise<number[]> {
    const narrowing = matchers.filter((m) => !m.matchesEmpty).sort((a, b) => rank(a) - rank(b));
    const widening = matchers.filter((m) => m.matchesEmpty);
    let result: number[] | undefined;
    for (const m of narrowing) {
      const lists = await this.matching(m, pace);
      // Narrowed already: intersect each list with the (smaller) result before the union,
      // rather than merging large lists first.
      const narrowed = result;
      result = union(narrowed === undefined ? lists : lists.map((l) => intersect(narrowed, l)));
      if (result.length === 0) return result;
      await pace();
    }
    if (result === undefined) result = Array.from({ length: this.size }, (_, i) => i);
    for (const m of widening) {
      // Series whose value of m.name fails m are out; those without the label have "" and pass.
      const values = this.postings.get(m.name);
      if (!values) continue;
      const failing: number[][] = [];
      await this.eachValue(values, pace, (value, list) => {
        if (!m.test(value)) failing.push(list);
      });
      if (failing.length > 0) result = subtract(result, union(failing));
      await pace();
    }
    if (days.from === -Infinity && days.to === Infinity) return result;
    const kept: number[] = [];
    for (let i = 0; i < result.length; i++) {
      if (this.within(result[i], days)) kept.push(result[i]);
      if ((i & 0xffff) === 0xffff) await pace();
    }
    return kept;
  }

  /** The postings of the values of label m.name that m selects (m does not select ""). */
  private async matching(m: CompiledMatcher, pace: Pace): Promise<number[][]> {
    const values = this.postings.get(m.name);
    if (!values) return [];
    if (m.type === '=') return [values.get(m.value) ?? []];
    const literals = m.type === '=~' ? literalAlternatives(m.value) : undefined;
    if (literals) return literals.map((v) => values.get(v) ?? []);
    const lists: number[][] = [];
    await this.eachValue(values, pace, (value, list) => {
      if (m.test(value)) lists.push(list);
    });
    return lists;
  }

  /**
   * Calls `visit` for each value, pacing every 64 values: a test may be a regular expression
   * over long values that takes 50 us or more a value, so a few thousand between two looks at
   * the clock held the event loop for a few hundred ms.
   */
  private async eachValue(values: Map<string, number[]>, pace: Pace, visit: (value: string, list: number[]) => void): Promise<void> {
    let n = 0;
    for (const [value, list] of values) {
      visit(value, list);
      if ((++n & 0x3f) === 0) await pace();
    }
  }

  /** Label names of the series in `ordinals` (all series when undefined) with a point in `days`, sorted. */
  async labelNames(ordinals: readonly number[] | undefined, days: DaySpan, pace: Pace): Promise<string[]> {
    if (ordinals !== undefined) {
      const names = new Set<string>();
      for (let i = 0; i < ordinals.length; i++) {
        names.add('__name__');
        for (const l of parseSeriesKey(this.keys[ordinals[i]]).labels) names.add(l.name);
        if ((i & 0xfff) === 0xfff) await pace();
      }
      return ordinals.length === 0 ? [] : [...names].sort();
    }
    const names: string[] = [];
    for (const [name, values] of this.postings) {
      if (await this.anyWithin(values, days, pace)) names.push(name);
    }
    return names.sort();
  }

  /** Values of label `name` among the series in `ordinals` (all when undefined) with a point in `days`, sorted. */
  async labelValues(name: string, ordinals: readonly number[] | undefined, days: DaySpan, pace: Pace): Promise<string[]> {
    const values = this.postings.get(name);
    if (!values) return [];
    if (ordinals !== undefined) {
      const found = new Set<string>();
      for (let i = 0; i < ordinals.length; i++) {
        const key = this.keys[ordinals[i]];
        const parsed = parseSeriesKey(key);
        const value = name === '__name__' ? parsed.name : parsed.labels.find((l) => l.name === name)?.value;
        if (value !== undefined) found.add(value);
        if ((i & 0xfff) === 0xfff) await pace();
      }
      return [...found].sort();
    }
    let sorted = this.sortedValues.get(name);
    if (!sorted) {
      sorted = [...values.keys()].sort();
      this.sortedValues.set(name, sorted);
      await pace();
    }
    if (days.from === -Infinity && days.to === Infinity) return sorted.slice();
    const kept: string[] = [];
    for (let i = 0; i < sorted.length; i++) {
      const list = values.get(sorted[i])!;
      if (list.some((o) => this.within(o, days))) kept.push(sorted[i]);
      if ((i & 0xfff) === 0xfff) await pace();
    }
    return kept;
  }

  private async anyWithin(values: Map<string, number[]>, days: DaySpan, pace: Pace): Promise<boolean> {
    if (days.from === -Infinity && days.to === Infinity) return values.size > 0;
    let n = 0;
    for (const list of values.values()) {
      for (const o of list) if (this.within(o, days)) return true;
      n += list.length;
      if (n > 0xffff) {
        n = 0;
        await pace();
      }
    }
    return false;
  }
}

export interface DaySpan {
  readonly from: number;
  readonly to: number;
}

/** The UTC days a time range [fromMs, toMs) touches; unbounded sides stay infinite. */
export function daySpan(fromMs?: number, toMs?: number): DaySpan {
  return {
    from: fromMs === undefined || fromMs <= 0 ? NO_DAY.from : Math.floor(fromMs / DAY_MS),
    to: toMs === undefined || toMs <= 0 ? NO_DAY.to : Math.floor((toMs - 1) / DAY_MS),
  };
}

/** A refresh of one tenant's index under way. */
interface Refresh {
  readonly promise: Promise<TenantLabelIndex>;
  /** Started by `follow`, not by a use: a use does not join it (it may have read the position before the use began). */
  readonly background: boolean;
}

/**
 * Every tenant's label index, brought up to date before each use: the hot catalogue's
 * changes since the last use (one round trip when there are none; the whole catalogue
 * after Redis lost it, seen by its epoch), and the cold tier's archived periods at most
 * every `archivedRefreshMs`. Concurrent users of a tenant share one refresh. Once started,
 * it also follows the tenants used lately in the background (`start`).
 */
export class LabelIndex {
  private readonly tenants = new Map<string, TenantLabelIndex>();
  private readonly refreshing = new Map<string, Refresh>();
  /** When each followed tenant was last used, and when its index was last brought up to date. */
  private readonly usedAt = new Map<string, number>();
  private readonly refreshedAt = new Map<string, number>();
  private followTimer: ReturnType<typeof setInterval> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: LabelIndexOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The tenant's index, current as of this call. */
  async current(tenant: string, signal?: AbortSignal): Promise<TenantLabelIndex> {
    if (this.followTimer) this.noteUse(tenant);
    let pending = this.refreshing.get(tenant);
    // A use shares another use's refresh; a background one may have read the position
    // before this call, so the use's own refresh starts after it.
    if (!pending || pending.background) pending = this.begin(tenant, false, pending?.promise);
    if (!signal) return pending.promise;
    return abortable(pending.promise, signal);
  }

  /**
   * Starts following: every `followMs`, the index of each tenant used in the last
   * `followIdleMs` is brought up to date unless a use just did it. A failed background
   * refresh is dropped; the next use refreshes (and reports) for itself.
   */
  start(): void {
    const every = this.options.followMs ?? 250;
    if (every <= 0 || this.followTimer) return;
    this.followTimer = setInterval(() => this.follow(every), every);
    this.followTimer.unref();
  }

  stop(): void {
    if (this.followTimer) clearInterval(this.followTimer);
    this.followTimer = undefined;
    this.usedAt.clear();
    this.refreshedAt.clear();
  }

  /** Marks the tenant used now: followed, last in the order of use; the least recently used beyond followTenants is dropped. */
  private noteUse(tenant: string): void {
    this.usedAt.delete(tenant);
    this.usedAt.set(tenant, this.now());
    if (this.usedAt.size > (this.options.followTenants ?? 100)) {
      const oldest = this.usedAt.keys().next().value as string;
      this.usedAt.delete(oldest);
      this.refreshedAt.delete(oldest);
    }
  }

  /** Tenants followed now. */
  followed(): number {
    return this.usedAt.size;
  }

  private follow(every: number): void {
    const now = this.now();
    const idle = this.options.followIdleMs ?? 300_000;
    for (const [tenant, usedAt] of this.usedAt) {
      if (now - usedAt > idle) {
        this.usedAt.delete(tenant);
        this.refreshedAt.delete(tenant);
        continue;
      }
      if (this.refreshing.has(tenant) || now - (this.refreshedAt.get(tenant) ?? -Infinity) < every) continue;
      this.begin(tenant, true).promise.catch(() => undefined);
    }
  }

  private begin(tenant: string, background: boolean, after?: Promise<unknown>): Refresh {
    const run = () => this.refresh(tenant);
    const promise = (after ? after.then(run, run) : run()).finally(() => {
      if (this.refreshing.get(tenant) === refresh) this.refreshing.delete(tenant);
    });
    const refresh: Refresh = { promise, background };
    this.refreshing.set(tenant, refresh);
    return refresh;
  }

  /** Series the index holds for a tenant (0 before its first use). */
  size(tenant: string): number {
    return this.tenants.get(tenant)?.size ?? 0;
  }

  private async refresh(tenant: string): Promise<TenantLabelIndex> {
    const page = this.options.pageSize ?? 5_000;
    let index = this.tenants.get(tenant);
    // The position and the first page of changes in one round trip: a query of a series
    // written a moment ago waits for this, and for its read, and for nothing else.
    let read = await this.options.catalog.read(tenant, index?.seq ?? 0, page);
    if (!index || index.epoch !== read.position.epoch) {
      // First use, or Redis lost the catalogue (a new epoch): start over, cold part included.
      const readAfterLost = index !== undefined && index.seq > 0;
      index = new TenantLabelIndex();
      index.epoch = read.position.epoch;
      this.tenants.set(tenant, index);
      if (readAfterLost) read = await this.options.catalog.read(tenant, 0, page);
    }
    // Up to the position of the first read; later changes wait for the next use.
    const until = read.position.seq;
    for (;;) {
      for (const e of read.entries) index.upsert(e.seriesKey, e.oldestDay, e.newestDay);
      const advanced = read.lastSeq !== index.seq;
      index.seq = read.lastSeq;
      if (!advanced || index.seq >= until) break;
      await yieldToEventLoop();
      read = await this.options.catalog.read(tenant, index.seq, page);
    }
    const archived = this.options.archived;
    if (archived && this.now() - index.archivedCheckedAt >= (this.options.archivedRefreshMs ?? 60_000)) {
      const sinceDay = this.options.firstKeptDay(tenant, this.now());
      for (const period of await archived.periods(tenant, sinceDay)) {
        if (index.archivedLoaded.has(period.id)) continue;
        const keys = await period.keys();
        for (let i = 0; i < keys.length; i++) {
          index.upsert(keys[i], period.oldestDay, period.newestDay);
          if ((i & 0x3fff) === 0x3fff) await yieldToEventLoop();
        }
        index.archivedLoaded.add(period.id);
      }
      index.archivedCheckedAt = this.now();
    }
    if (this.usedAt.has(tenant)) this.refreshedAt.set(tenant, this.now());
    return index;
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function grow(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/** Equality first, then other regular expressions: the cheapest lists narrow the rest. */
function rank(m: CompiledMatcher): number {
  return m.type === '=' ? 0 : literalAlternatives(m.value) ? 1 : 2;
}

/**
 * The values a regular expression of plain literals joined by `|` selects (`a|b|c`), or
 * undefined when it is anything else. Such a regex is answered by lookups, not by testing
 * every value; the characters allowed here are never special in RE2.
 */
export function literalAlternatives(pattern: string): string[] | undefined {
  if (!/^[A-Za-z0-9_:/@ ,=-]*(\|[A-Za-z0-9_:/@ ,=-]*)*$/.test(pattern)) return undefined;
  return [...new Set(pattern.split('|'))];
}

/** Sorted, deduplicated union of ascending lists. */
export function union(lists: readonly (readonly number[])[]): number[] {
  if (lists.length === 0) return [];
  if (lists.length === 1) return lists[0] as number[];
  let total = 0;
  for (const l of lists) total += l.length;
  const all = new Float64Array(total);
  let at = 0;
  for (const l of lists) for (const o of l) all[at++] = o;
  all.sort();
  const out: number[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) out.push(all[i]);
  return out;
}

/** Ordinals in both ascending lists. */
export function intersect(a: readonly number[], b: readonly number[]): number[] {
  if (a.length > b.length) [a, b] = [b, a];
  const out: number[] = [];
  // A short list against a long one: binary search; two of a size: merge.
  if (a.length * 16 < b.length) {
    let lo = 0;
    for (const x of a) {
      let hi = b.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (b[mid] < x) lo = mid + 1;
        else hi = mid;
      }
      if (lo < b.length && b[lo] === x) out.push(x);
    }
    return out;
  }
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push(a[i]);
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return out;
}

/** Ordinals of ascending `a` not in ascending `b`. */
export function subtract(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j] < x) j++;
    if (j >= b.length || b[j] !== x) out.push(x);
  }
  return out;
}
