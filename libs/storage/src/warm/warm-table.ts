import {
  CreateTableCommand,
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
 * The second kind of item in the warm table: the **day index**, one item per series per UTC
 * day that has (or had) chunks in DynamoDB. The archiver Queries a day's index partitions
 * to find the series it must move to S3, instead of scanning the table or keeping a global
 * secondary index over every chunk (which doubled the write units of every seal).
 *
 * - `pk` (S) = "~days#YYYY-MM-DD#<shard>": `~` never starts a tenant, so index partitions
 *   never meet a series' partition ("tenant#series").
 * - `sk` (N) = 120 bits of the SHA-256 of "tenant#series" (the table's sort key is a number).
 * - `t` (S) tenant, `s` (S) series key, `w` (S) a token unique to each write: the archiver
 *   deletes an entry only if `w` is still the token it read, so a rewrite it raced with
 *   (a late re-seal) survives.
 */
export const DAY_INDEX = Object.freeze({
  partitionPrefix: '~days#',
  /**
   * Index partitions per day. A day's entries are written in a burst (every series' first
   * window of the day seals within minutes of 02:05 UTC); 64 keys keep a million series
   * under DynamoDB's 1,000 WCU/s per partition key when that burst spans 16 s or more,
   * where 16 keys would need a minute. The archiver Queries every shard, empty ones cost
   * 0.5 RCU. Writer and archiver must agree (STRATA_DAY_INDEX_SHARDS): the archiver's value
   * may be larger than the writer's, never smaller.
   */
  defaultShards: 64,
  maxShards: 4_096,
  attributes: Object.freeze({ tenant: 't', seriesKey: 's', token: 'w' }),
});

/**
 * The GSI the warm table had before the day index. It is no longer created, and no item
 * written since carries its key (`ad`), so it costs nothing to keep; the archiver still
 * Queries it while a table has it, so chunks written before the day index are archived too.
 * Drop it (UpdateTable, Delete) once a full sweep found nothing through it.
 */
export const LEGACY_ARCHIVE_INDEX = Object.freeze({ name: 'archive-day', partitionKey: 'ad', shards: 16 });

/**
 * The warm table: one item per series per closed window, plus the day index (DAY_INDEX).
 * On-demand capacity: load follows ingest, no tuning.
 */
export function warmTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: WARM_TABLE_KEY.partitionKey, AttributeType: 'S' },
      { AttributeName: WARM_TABLE_KEY.sortKey, AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: WARM_TABLE_KEY.partitionKey, KeyType: 'HASH' },
      { AttributeName: WARM_TABLE_KEY.sortKey, KeyType: 'RANGE' },
    ],
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

/** Whether the table still has the GSI of the archive design before the day index. */
export async function hasLegacyArchiveIndex(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const table = await describe(client, tableName);
  return (table?.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === LEGACY_ARCHIVE_INDEX.name);
}
