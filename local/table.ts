import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { ALL_INDEXES, type IndexDesign, TABLE_KEYS, TTL_ATTRIBUTE } from '#store/table-design';

const indexKeys = (index: IndexDesign) => [
  { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
  { AttributeName: index.sortKey.name, KeyType: 'RANGE' as const },
];
const projection = (index: IndexDesign) =>
  index.include.length === 0
    ? { ProjectionType: 'KEYS_ONLY' as const }
    : { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.include] };
const attributeDefinitions = (indexes: readonly IndexDesign[], withTableKeys: boolean) => {
  const attributes = new Map<string, 'S' | 'N'>(
    withTableKeys
      ? [
          [TABLE_KEYS.partitionKey, 'S'],
          [TABLE_KEYS.sortKey, 'S'],
        ]
      : [],
  );
  for (const index of indexes) {
    attributes.set(index.partitionKey.name, index.partitionKey.type);
    attributes.set(index.sortKey.name, index.sortKey.type);
  }
  return [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
};

/**
 * Create the table in DynamoDB Local from the same design the CDK app deploys (keys, GSIs, stream, TTL).
 * Returns the stream ARN. When the table already exists (data survives restarts) it only adds the indexes a
 * newer release designed (one `UpdateTable` each, as CloudFormation would); the items written before need the
 * re-index (`npx tsx scripts/reindex-leads.ts`) to appear in them.
 */
export const ensureTable = async (client: DynamoDBClient, tableName: string): Promise<string> => {
  try {
    const existing = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const arn = existing.Table?.LatestStreamArn;
    if (arn) {
      const have = new Set((existing.Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
      for (const index of ALL_INDEXES.filter((i) => !have.has(i.name))) {
        await client.send(
          new UpdateTableCommand({
            TableName: tableName,
            AttributeDefinitions: attributeDefinitions([index], false),
            GlobalSecondaryIndexUpdates: [
              {
                Create: { IndexName: index.name, KeySchema: indexKeys(index), Projection: projection(index) },
              },
            ],
          }),
        );
        console.log(
          `local table: added the index ${index.name}; run \`npx tsx scripts/reindex-leads.ts\` for the items written before`,
        );
      }
      return arn;
    }
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const created = await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: attributeDefinitions(ALL_INDEXES, true),
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: ALL_INDEXES.map((index) => ({
        IndexName: index.name,
        KeySchema: indexKeys(index),
        Projection: projection(index),
      })),
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    }),
  );
  const arn = created.TableDescription?.LatestStreamArn;
  if (!arn) throw new Error('DynamoDB Local created the table without a stream');
  return arn;
};
