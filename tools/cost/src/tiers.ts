/** One band of a tiered price: `price` per unit for the quantity up to `upTo` (cumulative); the last band has no `upTo`. */
export interface Tier {
  readonly upTo?: number;
  readonly price: number;
  readonly label?: string;
}

/** What a quantity costs in each band it reaches. */
export interface TierCharge {
  readonly tier: Tier;
  readonly quantity: number;
  readonly cost: number;
}

/**
 * Splits a month's quantity over cumulative tiers (AWS's "first 50 TB, next 450 TB, over
 * 500 TB"): each band charges only the part of the quantity that falls inside it.
 */
export function tieredCharges(quantity: number, tiers: readonly Tier[]): TierCharge[] {
  const charges: TierCharge[] = [];
  let below = 0;
  for (const tier of tiers) {
    if (quantity <= below) break;
    const top = tier.upTo ?? Infinity;
    const inBand = Math.min(quantity, top) - below;
    charges.push({ tier, quantity: inBand, cost: inBand * tier.price });
    below = top;
  }
  return charges;
}
