import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StorageError } from '../errors';
import { WARM_TABLE_KEY } from './warm-table';

/**
 * Where each Kafka partition's rebuild of the hot tier must start: an offset below which
 * every record is durable in the warm tier (docs/write-path.md, "Rebuilding the hot tier").
 * Kept in the warm table, the tier whose durability it describes, as one item per
 * partition: `pk` = "~rebuild#<consumer group>" (`~` never starts a tenant, as with the day
 * index), `sk` = partition, `o` (N) the offset, `t` (N) when it was taken.
 *
 * Written only when it moves (a few times per window length per partition), so it costs
 * next to nothing. Any value ever written is safe to start from: each is a lower bound of
 * what was durable when it was taken, and that only grows.
 */
export class RebuildCheckpoints {
  private readonly partitionKey: string;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: { readonly tableName: string; readonly group: string },
  ) {
    this.partitionKey = `~rebuild#${options.group}`;
  }

  /** The partition's checkpoint, or null when none was ever written (strongly consistent). */
  async read(partition: number): Promise<number | null> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: this.key(partition),
        ConsistentRead: true,
      }),
    );
    const offset = out.Item?.['o']?.N;
    if (offset === undefined) return null;
    const parsed = Number(offset);
    if (!Number.isSafeInteger(parsed) || parsed < 0) {
      throw new StorageError(`rebuild checkpoint of partition ${partition} holds ${JSON.stringify(offset)}, not an offset`, false);
    }
    return parsed;
  }

  async write(partition: number, offset: number, now: number): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.options.tableName,
        Item: { ...this.key(partition), o: { N: String(offset) }, t: { N: String(now) } },
      }),
    );
  }

  private key(partition: number) {
    return {
      [WARM_TABLE_KEY.partitionKey]: { S: this.partitionKey },
      [WARM_TABLE_KEY.sortKey]: { N: String(partition) },
    };
  }
}
