/** Most items one BatchWriteItem call takes (a DynamoDB limit). */
export const BATCH_WRITE_ITEMS = 25;

/** `items` in order, cut into BatchWriteItem calls' worth: every batch full but the last. */
export function warmBatches<T>(items: readonly T[]): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH_WRITE_ITEMS) batches.push(items.slice(i, i + BATCH_WRITE_ITEMS));
  return batches;
}
