import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';

/**
 * The local stand-in for the Lambda event source mapping on the table stream: reads DynamoDB Local's
 * Streams API and hands each batch to the real publisher handler. Like AWS it retries from the first
 * record the handler reports as failed, and it keeps a checkpoint so a restart does not re-publish.
 */
export class StreamPoller {
  private readonly client: DynamoDBStreamsClient;
  private readonly positions = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly options: {
      endpoint: string;
      streamArn: string;
      deliver: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;
      checkpointFile?: string;
      log: (line: string) => void;
    },
  ) {
    this.client = new DynamoDBStreamsClient({ endpoint: options.endpoint });
    if (options.checkpointFile && existsSync(options.checkpointFile)) {
      const saved = JSON.parse(readFileSync(options.checkpointFile, 'utf8')) as Record<string, string>;
      for (const [shard, seq] of Object.entries(saved)) this.positions.set(shard, seq);
    }
  }

  start(everyMs = 200): void {
    this.timer = setInterval(() => void this.poll(), everyMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    this.client.destroy();
  }

  /** One pass over every shard; concurrent calls share the pass in flight. */
  poll(): Promise<void> {
    this.running ??= this.pollOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Poll until a pass finds nothing new (used by tests and `POST /_local/sweep`). */
  async drain(): Promise<void> {
    while (await this.pollOnceCounting()) {
      /* keep going */
    }
  }

  private async pollOnceCounting(): Promise<number> {
    await this.running;
    let delivered = 0;
    this.running = this.pollOnce((n) => {
      delivered += n;
    }).finally(() => {
      this.running = undefined;
    });
    await this.running;
    return delivered;
  }

  private async pollOnce(onDelivered: (n: number) => void = () => {}): Promise<void> {
    try {
      const stream = await this.client.send(new DescribeStreamCommand({ StreamArn: this.options.streamArn }));
      for (const shard of stream.StreamDescription?.Shards ?? []) {
        if (!shard.ShardId) continue;
        const after = this.positions.get(shard.ShardId);
        const iterator = await this.client.send(
          new GetShardIteratorCommand({
            StreamArn: this.options.streamArn,
            ShardId: shard.ShardId,
            ...(after
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        );
        let next = iterator.ShardIterator;
        // Follow the shard until it has nothing more right now.
        for (let page = 0; next && page < 50; page++) {
          const result = await this.client.send(new GetRecordsCommand({ ShardIterator: next, Limit: 100 }));
          const records = result.Records ?? [];
          if (records.length === 0) break;
          const done = await this.handBatch(shard.ShardId, records);
          onDelivered(done);
          if (done < records.length) break; // retry from the failed record on the next pass
          next = result.NextShardIterator;
        }
      }
      this.saveCheckpoint();
    } catch (error) {
      this.options.log(`stream poll failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Returns how many records were handled before the first failure. */
  private async handBatch(shardId: string, records: _Record[]): Promise<number> {
    const event = { Records: records.map(toLambdaRecord) } as DynamoDBStreamEvent;
    const response = await this.options.deliver(event);
    const failedSeq = response?.batchItemFailures[0]?.itemIdentifier;
    const failedAt = failedSeq ? records.findIndex((r) => r.dynamodb?.SequenceNumber === failedSeq) : -1;
    const handled = failedAt === -1 ? records.length : failedAt;
    const last = records[handled - 1]?.dynamodb?.SequenceNumber;
    if (last) this.positions.set(shardId, last);
    return handled;
  }

  private saveCheckpoint(): void {
    if (this.options.checkpointFile) {
      writeFileSync(this.options.checkpointFile, JSON.stringify(Object.fromEntries(this.positions)));
    }
  }
}

/** The SDK's record shape → the Lambda event's (dates as epoch seconds). */
const toLambdaRecord = (r: _Record) => ({
  eventID: r.eventID,
  eventName: r.eventName,
  eventSource: 'aws:dynamodb',
  eventVersion: r.eventVersion,
  awsRegion: r.awsRegion,
  dynamodb: {
    ...r.dynamodb,
    ApproximateCreationDateTime: r.dynamodb?.ApproximateCreationDateTime
      ? r.dynamodb.ApproximateCreationDateTime.getTime() / 1000
      : undefined,
  },
});
