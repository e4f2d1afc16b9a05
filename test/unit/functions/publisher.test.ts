import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/publisher/handler.ts';

const eventBridge = mockClient(EventBridgeClient);

const record = (seq: string, sk: string, eventName: 'INSERT' | 'REMOVE' = 'INSERT') => ({
  eventName,
  dynamodb: {
    SequenceNumber: seq,
    NewImage: marshall({
      pk: 'LEAD#l1',
      sk,
      source: 'leadloop.leads',
      detailType: 'Lead Captured',
      detail: { eventId: `e-${seq}`, leadId: 'l1', version: 1 },
      time: 1_700_000_000_000,
    }),
  },
});

const context = {} as Context;

const streamEvent = (...records: ReturnType<typeof record>[]) =>
  ({ Records: records }) as unknown as DynamoDBStreamEvent;

describe('outbox publisher', () => {
  beforeEach(() => {
    eventBridge.reset();
  });

  it('given outbox inserts among other writes, when the stream batch arrives, then only outbox items are published', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });

    const result = await handler(
      streamEvent(record('1', 'OUTBOX#e-1'), record('2', 'LEAD'), record('3', 'OUTBOX#e-3', 'REMOVE')),
      context,
    );

    expect(result.batchItemFailures).toEqual([]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({
      EventBusName: 'unit-bus',
      Source: 'leadloop.leads',
      DetailType: 'Lead Captured',
    });
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({ eventId: 'e-1', leadId: 'l1' });
  });

  it('given one outbox item holding three events (a new lead), when it arrives, then all three go in one PutEvents call', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{}, {}, {}] });
    const body = (detailType: string, eventId: string) => ({
      source: 'leadloop.leads',
      detailType,
      detail: { eventId, leadId: 'l1' },
      time: 1_700_000_000_000,
    });
    const multi = {
      eventName: 'INSERT' as const,
      dynamodb: {
        SequenceNumber: '9',
        NewImage: marshall({
          pk: 'LEAD#l1',
          sk: 'OUTBOX#c-1',
          events: [
            body('Lead Captured', 'c-1'),
            body('Lead Stage Changed', 's-1'),
            body('Lead Temperature Changed', 't-1'),
          ],
        }),
      },
    };

    const result = await handler(streamEvent(multi as unknown as ReturnType<typeof record>), context);

    expect(result.batchItemFailures).toEqual([]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entries = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries.map((e) => e.DetailType)).toEqual([
      'Lead Captured',
      'Lead Stage Changed',
      'Lead Temperature Changed',
    ]);
    expect(entries.map((e) => JSON.parse(e.Detail ?? '{}').eventId)).toEqual(['c-1', 's-1', 't-1']);
  });

  it('given PutEvents fails for the second record, when the batch is handled, then the retry starts at that record', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'a' }] })
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });

    const result = await handler(
      streamEvent(record('1', 'OUTBOX#e-1'), record('2', 'OUTBOX#e-2'), record('3', 'OUTBOX#e-3')),
      context,
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '2' }]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
  });

  it('given the network throws, when publishing, then the record is reported, not swallowed', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('socket hang up'));

    const result = await handler(streamEvent(record('7', 'OUTBOX#e-7')), context);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '7' }]);
  });
});
