import * as fs from 'node:fs';
import { CostDataError } from './errors';
import type { Tier } from './tiers';

/** A single list price. */
export interface FlatPrice {
  readonly unit: string;
  readonly price: number;
  /** The public page it comes from. */
  readonly page: string;
}

export interface TieredPrice {
  readonly unit: string;
  readonly tiers: readonly Tier[];
  readonly page: string;
}

/** An instance or node type: its hourly price and what it holds. */
export interface SizedOption {
  readonly price: number;
  readonly vcpus: number;
  readonly memoryGiB: number;
  /** False for burstable types that AWS advises for development only; never chosen unless named. */
  readonly production: boolean;
  readonly note?: string;
}

export interface SizedPrice {
  readonly unit: string;
  readonly page: string;
  readonly byType: Readonly<Record<string, SizedOption>>;
}

export interface Assumption {
  readonly value: number;
  readonly unit: string;
  readonly source: string;
}

interface PriceFileJson {
  readonly name: string;
  readonly region: string;
  readonly currency: string;
  /** The day the prices were written down. */
  readonly written: string;
  /** The day they were last compared with the pages they name; null if never. */
  readonly checked: string | null;
  readonly howChecked: string;
  readonly hoursPerMonth: number;
  readonly prices: Readonly<Record<string, unknown>>;
  readonly assumptions?: Readonly<Record<string, Assumption>>;
}

/** One dated price file (tools/cost/data/prices-*.json), with typed look-ups that name the file when a price is missing. */
export class PriceBook {
  constructor(
    readonly file: string,
    private readonly json: PriceFileJson,
  ) {
    for (const field of ['name', 'region', 'currency', 'written', 'howChecked'] as const) {
      if (typeof json[field] !== 'string' || json[field] === '') throw new CostDataError(file, `"${field}" must be a non-empty string`);
    }
    const date = /^\d{4}-\d{2}-\d{2}$/;
    if (!date.test(json.written)) throw new CostDataError(file, `"written" must be a date (YYYY-MM-DD), not ${JSON.stringify(json.written)}`);
    if (json.checked !== null && !date.test(String(json.checked))) throw new CostDataError(file, `"checked" must be a date (YYYY-MM-DD) or null, not ${JSON.stringify(json.checked)}`);
    if (!(json.hoursPerMonth > 0)) throw new CostDataError(file, '"hoursPerMonth" must be a positive number');
    if (typeof json.prices !== 'object' || json.prices === null) throw new CostDataError(file, '"prices" must be an object');
  }

  static read(file: string): PriceBook {
    let json: PriceFileJson;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8')) as PriceFileJson;
    } catch (error) {
      throw new CostDataError(file, `cannot read the price file (${error instanceof Error ? error.message : String(error)})`);
    }
    return new PriceBook(file, json);
  }

  get name(): string {
    return this.json.name;
  }
  get written(): string {
    return this.json.written;
  }
  get checked(): string | null {
    return this.json.checked;
  }
  get howChecked(): string {
    return this.json.howChecked;
  }
  get hoursPerMonth(): number {
    return this.json.hoursPerMonth;
  }

  flat(name: string): FlatPrice {
    const p = this.entry(name) as Partial<FlatPrice>;
    if (typeof p.price !== 'number' || !(p.price >= 0)) throw new CostDataError(this.file, `${name}: "price" must be a number >= 0`);
    return this.described(name, p) as FlatPrice;
  }

  tiered(name: string): TieredPrice {
    const p = this.entry(name) as Partial<TieredPrice>;
    const tiers = p.tiers;
    if (!Array.isArray(tiers) || tiers.length === 0) throw new CostDataError(this.file, `${name}: "tiers" must be a non-empty list`);
    tiers.forEach((t, i) => {
      const last = i === tiers.length - 1;
      if (typeof t.price !== 'number' || !(t.price >= 0)) throw new CostDataError(this.file, `${name}: tier ${i + 1} needs a price >= 0`);
      if (last !== (t.upTo === undefined)) throw new CostDataError(this.file, `${name}: every tier but the last needs "upTo", and the last none`);
      if (!last && !(t.upTo! > (i === 0 ? 0 : tiers[i - 1].upTo!))) throw new CostDataError(this.file, `${name}: "upTo" must grow from tier to tier`);
    });
    return this.described(name, p) as TieredPrice;
  }

  sized(name: string): SizedPrice {
    const p = this.entry(name) as Partial<SizedPrice>;
    if (typeof p.byType !== 'object' || p.byType === null || Object.keys(p.byType).length === 0) throw new CostDataError(this.file, `${name}: "byType" must list at least one type`);
    for (const [type, o] of Object.entries(p.byType)) {
      if (!(o.price >= 0 && o.vcpus > 0 && o.memoryGiB > 0 && typeof o.production === 'boolean')) {
        throw new CostDataError(this.file, `${name}.${type}: needs price >= 0, vcpus > 0, memoryGiB > 0 and production (true/false)`);
      }
    }
    return this.described(name, p) as SizedPrice;
  }

  assumption(name: string): Assumption {
    const a = this.json.assumptions?.[name];
    if (!a || typeof a.value !== 'number' || typeof a.source !== 'string') throw new CostDataError(this.file, `assumptions.${name}: missing, or without a numeric "value" and a "source"`);
    return a;
  }

  private entry(name: string): Record<string, unknown> {
    const p = this.json.prices[name];
    if (typeof p !== 'object' || p === null) throw new CostDataError(this.file, `no price "${name}"`);
    return p as Record<string, unknown>;
  }

  private described<T extends { unit?: unknown; page?: unknown }>(name: string, p: T): T {
    if (typeof p.unit !== 'string' || typeof p.page !== 'string' || p.page === '') throw new CostDataError(this.file, `${name}: needs a "unit" and the "page" it comes from`);
    return p;
  }
}
