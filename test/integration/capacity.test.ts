import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#local/engines';
import { attachCapacityAccounting } from '#store/capacity';

/**
 * The accounting middleware on DynamoDB Local: where Local's ReturnConsumedCapacity is right (single,
 * non-transactional puts, gets, updates and deletes, table and indexes) the two agree; where it is not
 * (transactions, filtered queries) the middleware follows AWS's rules.
 */
const TableName = process.env.TABLE_NAME ?? '';
const client = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  }),
);
const meter = attachCapacityAccounting(client);
afterAll(() => client.destroy());

interface Consumed {
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}
const localUnits = (c: Consumed | undefined) => ({
  total: c?.CapacityUnits ?? 0,
  indexes: Object.fromEntries(
    Object.entries(c?.GlobalSecondaryIndexes ?? {}).map(([k, v]) => [k, v.CapacityUnits ?? 0]),
  ),
});
/** Sends one command measured by both and returns both figures. */
// biome-ignore lint/suspicious/noExplicitAny: any document-client command
const both = async (command: any) => {
  meter.reset();
  (command.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
  const out = (await client.send(command)) as { ConsumedCapacity?: Consumed };
  const ours = meter.total();
  return { local: localUnits(out.ConsumedCapacity), ours };
};

const state = (id: string, extra: Record<string, unknown>) => ({
  pk: `LEAD#${id}`,
  sk: 'STATE',
  email: `${id}@example.co.jp`,
  stage: 'mql',
  temperature: 'warm',
  stageKey: 'mql',
  scoreKey: 40,
  temperatureKey: 'warm',
  notes: '株式会社サンプル製作所 情報システム部',
  ...extra,
});

describe('capacity accounting against DynamoDB Local', () => {
  it('agrees on single puts, small and over 1 KB, with index writes', async () => {
    const small = await both(new PutCommand({ TableName, Item: state('a', {}) }));
    expect(small.ours.write).toBe(small.local.total);
    expect(small.ours.indexes).toEqual(small.local.indexes);
    expect(small.ours.indexes).toEqual({ byStage: 1, byTemperature: 1 });

    const big = await both(new PutCommand({ TableName, Item: state('b', { notes: 'あ'.repeat(800) }) }));
    expect(big.ours.write).toBe(big.local.total);
    expect(big.ours.write - Object.values(big.ours.indexes).reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('agrees on gets, strongly and eventually consistent, and on a missing item', async () => {
    await client.send(new PutCommand({ TableName, Item: state('c', { notes: 'x'.repeat(5000) }) }));
    const strong = await both(
      new GetCommand({ TableName, Key: { pk: 'LEAD#c', sk: 'STATE' }, ConsistentRead: true }),
    );
    expect(strong.ours.read).toBe(2);
    expect(strong.ours.read).toBe(strong.local.total);
    const eventual = await both(new GetCommand({ TableName, Key: { pk: 'LEAD#c', sk: 'STATE' } }));
    expect(eventual.ours.read).toBe(1);
    expect(eventual.ours.read).toBe(eventual.local.total);
    const missing = await both(
      new GetCommand({ TableName, Key: { pk: 'LEAD#none', sk: 'STATE' }, ConsistentRead: true }),
    );
    expect(missing.ours.read).toBe(1);
    // A projection does not make a read cheaper.
    const projected = await both(
      new GetCommand({
        TableName,
        Key: { pk: 'LEAD#c', sk: 'STATE' },
        ConsistentRead: true,
        ProjectionExpression: 'email',
      }),
    );
    expect(projected.ours.read).toBe(2);
  });

  it('charges an index key change as delete + put and a projected change as one write, as Local does', async () => {
    await client.send(new PutCommand({ TableName, Item: state('d', {}) }));
    const keyChange = await both(
      new UpdateCommand({
        TableName,
        Key: { pk: 'LEAD#d', sk: 'STATE' },
        UpdateExpression: 'SET scoreKey = :s',
        ExpressionAttributeValues: { ':s': 41 },
      }),
    );
    expect(keyChange.ours.indexes).toEqual({ byStage: 2, byTemperature: 2 });
    expect(keyChange.ours.write).toBe(keyChange.local.total);
    const projected = await both(
      new UpdateCommand({
        TableName,
        Key: { pk: 'LEAD#d', sk: 'STATE' },
        UpdateExpression: 'SET temperature = :t',
        ExpressionAttributeValues: { ':t': 'hot' },
      }),
    );
    expect(projected.ours.indexes).toEqual({ byStage: 1, byTemperature: 1 });
    const untouched = await both(
      new UpdateCommand({
        TableName,
        Key: { pk: 'LEAD#d', sk: 'STATE' },
        UpdateExpression: 'SET notes = :n',
        ExpressionAttributeValues: { ':n': 'changed' },
      }),
    );
    expect(untouched.ours.write).toBe(1);
    expect(untouched.ours.indexes).toEqual({});
    const deleted = await both(new DeleteCommand({ TableName, Key: { pk: 'LEAD#d', sk: 'STATE' } }));
    expect(deleted.ours.write).toBe(deleted.local.total);
    expect(deleted.ours.write).toBe(3);
  });

  it('still charges a refused conditional write', async () => {
    await client.send(new PutCommand({ TableName, Item: state('e', {}) }));
    meter.reset();
    await expect(
      client.send(
        new PutCommand({ TableName, Item: state('e', {}), ConditionExpression: 'attribute_not_exists(pk)' }),
      ),
    ).rejects.toThrow();
    expect(meter.total()).toMatchObject({ write: 1, indexes: {} });
  });

  it('doubles transactions (Local reports them at single price)', async () => {
    meter.reset();
    await client.send(
      new TransactWriteCommand({
        TransactItems: ['A', 'B', 'C', 'D'].map((sk) => ({
          Put: { TableName, Item: { pk: 'TX#1', sk, v: 1 } },
        })),
      }),
    );
    expect(meter.total().write).toBe(8);
  });

  it('charges a filtered query by what it read, per label', async () => {
    for (let i = 0; i < 10; i++)
      await client.send(
        new PutCommand({
          TableName,
          Item: { pk: 'Q#1', sk: `E#${i}`, kind: i === 0 ? 'keep' : 'drop', pad: 'x'.repeat(1000) },
        }),
      );
    meter.reset();
    const out = await meter.measure('filtered', () =>
      client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: 'kind = :k',
          ExpressionAttributeValues: { ':pk': 'Q#1', ':k': 'keep' },
          ConsistentRead: true,
        }),
      ),
    );
    expect(out.Items).toHaveLength(1);
    // 10 items of about 1 KB read: 3 units of 4 KB, though one item came back.
    expect(meter.byLabel().filtered?.read).toBe(3);
  });
});
