import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { TableNotActiveError, TableSchemaMismatchError } from '../errors';
import { describeKeySchema, ensureWarmTable, warmTableDefinition } from './warm-table';

const notFound = () => new ResourceNotFoundException({ message: 'no table', $metadata: {} });

/** Answers DescribeTable from a script of table states; records CreateTable calls. */
function fakeClient(states: (TableDescription | 'missing')[], create: 'ok' | 'race' = 'ok') {
  const calls: string[] = [];
  let i = 0;
  const send = async (command: unknown) => {
    if (command instanceof CreateTableCommand) {
      calls.push('create');
      if (create === 'race') throw new ResourceInUseException({ message: 'in use', $metadata: {} });
      return {};
    }
    if (command instanceof DescribeTableCommand) {
      calls.push('describe');
      const state = states[Math.min(i++, states.length - 1)];
      if (state === 'missing') throw notFound();
      return { Table: state };
    }
    throw new Error('unexpected command');
  };
  return { client: { send } as unknown as DynamoDBClient, calls };
}

const definition = warmTableDefinition('strata_chunks');
const table = (status: TableDescription['TableStatus']): TableDescription => ({
  TableName: 'strata_chunks',
  TableStatus: status,
  KeySchema: definition.KeySchema,
  AttributeDefinitions: definition.AttributeDefinitions,
});
const instant = { sleep: async () => undefined, pollMs: 1 };

describe('warmTableDefinition', () => {
  it('keys items by tenant#series (string) and window start (number), on demand', () => {
    expect(describeKeySchema(definition)).toBe('pk:S:HASH,sk:N:RANGE');
    expect(definition.BillingMode).toBe('PAY_PER_REQUEST');
    expect(warmTableDefinition('custom').TableName).toBe('custom');
  });

  it('has no secondary index: the archiver finds its work in day-index items of the table itself', () => {
    expect(definition.GlobalSecondaryIndexes).toBeUndefined();
    expect(definition.AttributeDefinitions?.map((a) => a.AttributeName)).toEqual(['pk', 'sk']);
  });
});

describe('ensureWarmTable', () => {
  it('creates a missing table and waits until it is ACTIVE', async () => {
    const { client, calls } = fakeClient(['missing', table('CREATING'), table('CREATING'), table('ACTIVE')]);
    expect(await ensureWarmTable(client, 'strata_chunks', instant)).toEqual({ created: true });
    expect(calls).toEqual(['describe', 'create', 'describe', 'describe', 'describe']);
  });

  it('accepts a table that still has the legacy archive-day index, leaving it in place', async () => {
    const legacy: TableDescription = {
      ...table('ACTIVE'),
      GlobalSecondaryIndexes: [{ IndexName: 'archive-day', KeySchema: [{ AttributeName: 'ad', KeyType: 'HASH' }, { AttributeName: 'pk', KeyType: 'RANGE' }] }],
    };
    const { client, calls } = fakeClient([legacy]);
    expect(await ensureWarmTable(client, 'strata_chunks', instant)).toEqual({ created: false });
    expect(calls).toEqual(['describe', 'describe']);
  });

  it('leaves an ACTIVE table with the right schema alone', async () => {
    const { client, calls } = fakeClient([table('ACTIVE')]);
    expect(await ensureWarmTable(client, 'strata_chunks', instant)).toEqual({ created: false });
    expect(calls).not.toContain('create');
  });

  it('waits like the winner after losing a creation race', async () => {
    const { client } = fakeClient(['missing', table('CREATING'), table('ACTIVE')], 'race');
    expect(await ensureWarmTable(client, 'strata_chunks', instant)).toEqual({ created: false });
  });

  it('refuses a table whose key schema differs, naming both schemas', async () => {
    const wrong: TableDescription = {
      ...table('ACTIVE'),
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    };
    const { client, calls } = fakeClient([wrong]);
    const error = await ensureWarmTable(client, 'strata_chunks', instant).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TableSchemaMismatchError);
    expect((error as Error).message).toBe('table strata_chunks exists with key schema pk:S:HASH, expected pk:S:HASH,sk:N:RANGE');
    expect(calls).not.toContain('create');
  });

  it('gives up when the table stays CREATING past the timeout', async () => {
    let clock = 0;
    const { client } = fakeClient(['missing', table('CREATING')]);
    const attempt = ensureWarmTable(client, 'strata_chunks', {
      timeoutMs: 1000,
      pollMs: 300,
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    });
    await expect(attempt).rejects.toThrow(TableNotActiveError);
  });
});
