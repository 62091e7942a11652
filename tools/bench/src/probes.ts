import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DAY_INDEX, type DynamoDBClient } from '@strata/storage/warm';

/** Sum of a metric's samples (all label sets) from a Prometheus text endpoint. */
export async function scrapeMetric(opsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, pollMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Scans a warm table: chunk bytes, item bytes (DynamoDB's size rule: names + values), points; day-index items counted apart. */
export async function scanChunkSizes(client: DynamoDBClient, table: string, kindOf: (pk: string) => string) {
  const byKind = new Map<string, { items: number; points: number; chunkBytes: number }>();
  let items = 0;
  let points = 0;
  let chunkBytes = 0;
  let itemBytes = 0;
  let indexItems = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of out.Items ?? []) {
      if (item['pk'].S!.startsWith(DAY_INDEX.partitionPrefix)) {
        indexItems++;
        continue;
      }
      // Other `~` partitions are the writers' bookkeeping (rebuild checkpoints, the
      // quarantine listing), not chunks: `~` never starts a tenant.
      if (item['pk'].S!.startsWith('~')) continue;
      items++;
      points += Number(item['n'].N);
      chunkBytes += item['c'].B!.length;
      const kind = kindOf(item['pk'].S!);
      const k = byKind.get(kind) ?? { items: 0, points: 0, chunkBytes: 0 };
      k.items++;
      k.points += Number(item['n'].N);
      k.chunkBytes += item['c'].B!.length;
      byKind.set(kind, k);
      itemBytes += Object.entries(item).reduce(
        (sum, [k, v]) => sum + Buffer.byteLength(k) + (v.B ? v.B.length : Buffer.byteLength(v.S ?? v.N ?? '')),
        0,
      );
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return { items, points, chunkBytes, itemBytes, byKind, indexItems };
}
