/** One priced line of a bill: quantity x unit price = cost, and where the quantity came from. */
export interface BillLine {
  readonly tier: string;
  readonly item: string;
  readonly quantity: number;
  /** The quantity's unit, as the price file states it ("GB-month", "million write request units"). */
  readonly unit: string;
  readonly unitPrice: number;
  readonly cost: number;
  /** How the quantity was computed, naming each measured figure and setting it used. */
  readonly basis: string;
  /** The price's page (and the tier band, for tiered prices). */
  readonly priceSource: string;
  /** Counted in the goal's comparison (AMP: ingest and storage; Strata: every line). @default true */
  readonly inGoal?: boolean;
}

export interface Bill {
  readonly title: string;
  readonly lines: readonly BillLine[];
  /** Lines priced for comparison but not part of the bill (the option not taken). */
  readonly alternatives: readonly BillLine[];
  readonly notes: readonly string[];
}

export function line(fields: Omit<BillLine, 'cost'>): BillLine {
  return { ...fields, cost: fields.quantity * fields.unitPrice };
}

export function total(lines: readonly BillLine[], filter: (l: BillLine) => boolean = () => true): number {
  return lines.filter(filter).reduce((sum, l) => sum + l.cost, 0);
}

/** Totals per tier, in the order the tiers first appear. */
export function byTier(lines: readonly BillLine[]): Array<{ tier: string; cost: number }> {
  const tiers = new Map<string, number>();
  for (const l of lines) tiers.set(l.tier, (tiers.get(l.tier) ?? 0) + l.cost);
  return [...tiers].map(([tier, cost]) => ({ tier, cost }));
}
