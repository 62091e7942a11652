import { randomUUID } from 'node:crypto';
import {
  BatchWriteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  QueryCommand,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { credentialsForEndpoint } from '../aws/aws-client-config';
import { createDynamoDb } from './dynamodb-client';
import { ensureWarmTable } from './warm-table';

// Runs against the local stack (`stack.sh up`) or STRATA_DYNAMODB_ENDPOINT.
const endpoint = process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000';

describe('DynamoDB round trip through the warm table', () => {
  let client: DynamoDBClient;
  const tableName = `strata_test_${randomUUID().replace(/-/g, '')}`;
  const pk = 'tenant-1#host-7.cpu.user';
  const windowMs = 3_600_000;
  const start = Date.UTC(2026, 0, 1);

  beforeAll(() => {
    const credentials = credentialsForEndpoint(endpoint, process.env);
    client = createDynamoDb({ endpoint, region: 'us-east-1', ...(credentials && { credentials }) });
  });

  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    client.destroy();
  });

  it('creates the table once, then finds it', async () => {
    expect(await ensureWarmTable(client, tableName)).toEqual({ created: true });
    expect(await ensureWarmTable(client, tableName)).toEqual({ created: false });
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('writes 25 windows in one BatchWriteItem and queries a range of them back in order', async () => {
    let pending: WriteRequest[] = Array.from({ length: 25 }, (_, i) => ({
      PutRequest: {
        Item: {
          pk: { S: pk },
          sk: { N: String(start + i * windowMs) },
          chunk: { B: Buffer.from([i, i + 1, i + 2]) },
          points: { N: '60' },
        },
      },
    }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      expect(attempt).toBeLessThan(5);
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
      pending = out.UnprocessedItems?.[tableName] ?? [];
    }

    const items = [];
    let exclusiveStartKey: QueryCommand['input']['ExclusiveStartKey'];
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': { S: pk },
            ':from': { N: String(start + 5 * windowMs) },
            ':to': { N: String(start + 14 * windowMs) },
          },
          Limit: 4,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);

    expect(items.map((i) => Number(i['sk']?.N))).toEqual(Array.from({ length: 10 }, (_, k) => start + (k + 5) * windowMs));
    expect(items.every((i) => i['pk']?.S === pk)).toBe(true);
    expect(Buffer.from(items[0]?.['chunk']?.B ?? new Uint8Array())).toEqual(Buffer.from([5, 6, 7]));

    const other = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'tenant-2#host-7.cpu.user' } },
      }),
    );
    expect(other.Count).toBe(0);
  });
});
