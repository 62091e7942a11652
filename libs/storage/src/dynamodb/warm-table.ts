import {
  CreateTableCommand,
  UpdateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { TableNotActiveError, TableSchemaMismatchError } from '../errors';

/** Attribute names of the warm table's key. */
export const WARM_TABLE_KEY = Object.freeze({
  /** S: "tenant#series" — one partition per series, so a series' windows are one Query. */
  partitionKey: 'pk',
  /** N: window start, ms since the epoch — windows come back in time order. */
  sortKey: 'sk',
});

/**
 * The archive index: a global secondary index over every chunk item, keyed by the UTC day
 * of its window and a shard of its series (`ad` = "YYYY-MM-DD#<0..15>"), sorted by the
 * item's partition key. The archiver Queries one day's 16 shards to find the series it must
 * move to S3, instead of scanning the table; an item leaves the index when it is deleted.
 * KEYS_ONLY: the archiver reads the chunks themselves from the table (strongly consistent).
 */
export const ARCHIVE_INDEX = Object.freeze({
  name: 'archive-day',
  /** S: "YYYY-MM-DD#<shard>" */
  partitionKey: 'ad',
  /**
   * Index partitions per day, so a day's seals (every new chunk item is an index write) are
   * spread over 16 partition keys; changing it strands index entries. Part of the format.
   */
  shards: 16,
});

/** One item per series per closed window. On-demand capacity: load follows ingest, no tuning. */
export function warmTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: WARM_TABLE_KEY.partitionKey, AttributeType: 'S' },
      { AttributeName: WARM_TABLE_KEY.sortKey, AttributeType: 'N' },
      { AttributeName: ARCHIVE_INDEX.partitionKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: WARM_TABLE_KEY.partitionKey, KeyType: 'HASH' },
      { AttributeName: WARM_TABLE_KEY.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [archiveIndexDefinition()],
  };
}

function archiveIndexDefinition() {
  return {
    IndexName: ARCHIVE_INDEX.name,
    KeySchema: [
      { AttributeName: ARCHIVE_INDEX.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: WARM_TABLE_KEY.partitionKey, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'KEYS_ONLY' as const },
  };
}

/** "pk:S:HASH,sk:N:RANGE" — comparable, and readable in an error message. */
export function describeKeySchema(table: Pick<TableDescription, 'KeySchema' | 'AttributeDefinitions'>): string {
  const types = new Map((table.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  return (table.KeySchema ?? [])
    .map((k) => `${k.AttributeName}:${types.get(k.AttributeName) ?? '?'}:${k.KeyType}`)
    .join(',');
}

export interface EnsureTableOptions {
  /** @default 60000 */
  timeoutMs?: number;
  /** @default 250 */
  pollMs?: number;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Creates the warm table if it is missing and waits until it is ACTIVE. An existing table
 * with another key schema is an error (never altered or dropped here). Safe to run
 * concurrently: a lost creation race just waits like the winner.
 */
export async function ensureWarmTable(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTableOptions = {},
): Promise<{ created: boolean }> {
  const expected = warmTableDefinition(tableName);
  let created = false;
  let table = await describe(client, tableName);
  if (table === undefined) {
    try {
      await client.send(new CreateTableCommand(expected));
      created = true;
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = now();
  for (;;) {
    table = await describe(client, tableName);
    if (table !== undefined) {
      const actual = describeKeySchema(table);
      const want = describeKeySchema(expected);
      if (actual !== want) throw new TableSchemaMismatchError(tableName, want, actual);
      if (table.TableStatus === 'ACTIVE') return { created };
    }
    if (now() - started >= timeoutMs) throw new TableNotActiveError(tableName, now() - started);
    await sleep(options.pollMs ?? 250);
  }
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** Deletes a warm table (test fixtures and decommissioning); a missing table is fine. */
export async function dropWarmTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
}

/**
 * Adds the archive index to a warm table created before it existed (DynamoDB backfills it
 * from the items that carry `ad`) and waits until it is ACTIVE. The archiver calls this at
 * start-up; it needs dynamodb:UpdateTable once. A table that has it is left alone.
 */
export async function ensureArchiveIndex(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTableOptions = {},
): Promise<{ created: boolean }> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const started = now();
  let created = false;
  for (;;) {
    const table = await describe(client, tableName);
    if (table === undefined) throw new TableNotActiveError(tableName, now() - started);
    const index = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === ARCHIVE_INDEX.name);
    if (index === undefined && !created) {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [
            { AttributeName: WARM_TABLE_KEY.partitionKey, AttributeType: 'S' },
            { AttributeName: ARCHIVE_INDEX.partitionKey, AttributeType: 'S' },
          ],
          GlobalSecondaryIndexUpdates: [{ Create: archiveIndexDefinition() }],
        }),
      );
      created = true;
    } else if (index?.IndexStatus === 'ACTIVE' && !index.Backfilling) {
      return { created };
    }
    if (now() - started >= timeoutMs) throw new TableNotActiveError(`${tableName} (index ${ARCHIVE_INDEX.name})`, now() - started);
    await sleep(options.pollMs ?? 500);
  }
}
