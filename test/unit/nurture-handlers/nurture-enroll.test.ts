import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler as enrollHandler } from '../../../functions/nurture-enroll/handler.ts';

/** The handlers run inside the Powertools middy stack, which reads the Lambda context. */
const context = {} as Context;

const dynamodb = mockClient(DynamoDBDocumentClient);

describe('nurture-enroll handler', () => {
  beforeEach(() => {
    dynamodb.reset();
  });

  it.each([
    ['an unknown detail-type', { 'detail-type': 'Lead Assigned', detail: { eventId: 'e', leadId: 'l' } }],
    [
      'a detail without leadId',
      { 'detail-type': 'Lead Captured', detail: { eventId: 'e', formId: 'whitepaper' } },
    ],
    [
      'a bad temperature',
      { 'detail-type': 'Lead Temperature Changed', detail: { eventId: 'e', leadId: 'l', to: 'boiling' } },
    ],
    [
      'a recycle without nurtureAt',
      { 'detail-type': 'Lead Recycled', detail: { eventId: 'e', leadId: 'l', sequenceId: 's' } },
    ],
    ['a capture without a form', { 'detail-type': 'Lead Captured', detail: { eventId: 'e', leadId: 'l' } }],
  ])('given %s, when delivered, then it is dropped without touching the table', async (_label, event) => {
    // Act
    const result = await enrollHandler({ id: 'x', source: 'leadloop.leads', ...event } as never, context);

    // Assert
    expect(result).toEqual({ results: [] });
    expect(dynamodb.calls()).toHaveLength(0);
  });
});
