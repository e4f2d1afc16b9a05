import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutSuppressedDestinationCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settings } from '#config/settings';
import { handler } from '../../../functions/email-events/handler.ts';

/** The handlers run inside the Powertools middy stack, which reads the Lambda context. */
const context = {} as Context;

/**
 * The SES account-level suppression list is not emulated by the local SES, so this is the one place the
 * SES client is mocked. DynamoDB is a stand-in here only to let the handler reach that call; the lead
 * store's real behaviour is covered by the integration tests on DynamoDB Local.
 */
const ses = mockClient(SESv2Client);
const dynamodb = mockClient(DynamoDBDocumentClient);

const LEAD_ID = '00000000-0000-4000-8000-000000000000';
const fixture = (name: string) => {
  const event = JSON.parse(
    readFileSync(join(import.meta.dirname, '../../events/ses', `${name}.json`), 'utf8'),
  );
  event.detail.mail.tags['ses:configuration-set'] = [process.env.SES_CONFIGURATION_SET];
  return event;
};

const storedLead = () => [
  {
    pk: `LEAD#${LEAD_ID}`,
    sk: 'PROFILE',
    leadId: LEAD_ID,
    email: 'taro.yamada@example.co.jp',
    emailKey: 'taro.yamada@example.co.jp',
    attributes: {},
    fitBreakdown: {},
    channel: 'inbound_web',
    marketing: { transientBounces: 0 },
    anonymousIds: [],
    locale: 'ja',
    createdAt: 1,
    updatedAt: 1,
    version: 1,
  },
  { pk: `LEAD#${LEAD_ID}`, sk: 'STATE', leadId: LEAD_ID, recentSends: [], version: 1 },
];

describe('email-events: SES account-level suppression', () => {
  const original = settings.nurtureSettings.suppressInSesAccountList;
  beforeEach(() => {
    ses.reset();
    dynamodb.reset();
    ses.on(PutSuppressedDestinationCommand).resolves({});
    dynamodb.on(BatchGetCommand).resolves({ Responses: { [process.env.TABLE_NAME ?? '']: storedLead() } });
    dynamodb.on(GetCommand).resolves({});
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    dynamodb.on(TransactWriteCommand).resolves({});
    dynamodb.on(UpdateCommand).resolves({});
  });
  afterEach(() => {
    settings.nurtureSettings.suppressInSesAccountList = original;
  });

  it('given the option on, when a hard bounce arrives, then the address goes on the account suppression list as BOUNCE', async () => {
    // Arrange
    settings.nurtureSettings.suppressInSesAccountList = true;

    // Act
    const result = await handler(fixture('bounce-permanent'), context);

    // Assert
    expect(result.result).toBe('suppressed');
    expect(ses).toHaveReceivedCommandTimes(PutSuppressedDestinationCommand, 1);
    expect(ses).toHaveReceivedCommandWith(PutSuppressedDestinationCommand, {
      EmailAddress: 'taro.yamada@example.co.jp',
      Reason: 'BOUNCE',
    });
  });

  it('given the option on, when a complaint arrives, then the address goes on the list as COMPLAINT', async () => {
    // Arrange
    settings.nurtureSettings.suppressInSesAccountList = true;

    // Act
    await handler(fixture('complaint'), context);

    // Assert
    expect(ses).toHaveReceivedCommandWith(PutSuppressedDestinationCommand, {
      EmailAddress: 'taro.yamada@example.co.jp',
      Reason: 'COMPLAINT',
    });
  });

  it('given the option on, when a soft bounce arrives, then the account list is not touched', async () => {
    // Arrange
    settings.nurtureSettings.suppressInSesAccountList = true;

    // Act
    await handler(fixture('bounce-transient'), context);

    // Assert
    expect(ses).not.toHaveReceivedCommand(PutSuppressedDestinationCommand);
  });

  it('given the option off (the default), when a hard bounce arrives, then only our own suppression is written', async () => {
    // Arrange
    settings.nurtureSettings.suppressInSesAccountList = false;

    // Act
    await handler(fixture('bounce-permanent'), context);

    // Assert
    expect(ses).not.toHaveReceivedCommand(PutSuppressedDestinationCommand);
    expect(dynamodb).toHaveReceivedCommand(TransactWriteCommand);
  });

  it('given the account list refuses, when a hard bounce arrives, then the handler throws before writing (EventBridge retries)', async () => {
    // Arrange
    settings.nurtureSettings.suppressInSesAccountList = true;
    ses.on(PutSuppressedDestinationCommand).rejects(new Error('AccessDenied'));

    // Act / Assert
    await expect(handler(fixture('bounce-permanent'), context)).rejects.toThrow('AccessDenied');
    expect(dynamodb).not.toHaveReceivedCommand(TransactWriteCommand);
  });
});
