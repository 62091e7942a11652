/** Most items one BatchWriteItem call takes (a DynamoDB limit). */
export const BATCH_WRITE_ITEMS = 25;

/** Most keys one BatchGetItem call takes (a DynamoDB limit). */
export const BATCH_GET_KEYS = 100;

/** `items` in order, cut into calls' worth (BatchWriteItem by default): every batch full but the last. */
export function warmBatches<T>(items: readonly T[], size = BATCH_WRITE_ITEMS): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
