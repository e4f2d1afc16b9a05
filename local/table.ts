import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { ALL_INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from '#store/table-design';

/**
 * Create the table in DynamoDB Local from the same design the CDK app deploys (keys, GSIs, stream, TTL).
 * Returns the stream ARN. Does nothing but describe when the table already exists (data survives restarts).
 */
export const ensureTable = async (client: DynamoDBClient, tableName: string): Promise<string> => {
  try {
    const existing = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const arn = existing.Table?.LatestStreamArn;
    if (arn) return arn;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const attributes = new Map<string, 'S' | 'N'>([
    [TABLE_KEYS.partitionKey, 'S'],
    [TABLE_KEYS.sortKey, 'S'],
  ]);
  for (const index of ALL_INDEXES) {
    attributes.set(index.partitionKey.name, index.partitionKey.type);
    attributes.set(index.sortKey.name, index.sortKey.type);
  }
  const created = await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
        AttributeName,
        AttributeType,
      })),
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: ALL_INDEXES.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection:
          index.include.length === 0
            ? { ProjectionType: 'KEYS_ONLY' }
            : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.include] },
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
