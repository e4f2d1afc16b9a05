import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { EpochMs } from '#domain/lead/types';
import { conditionalWrite, dynamodb, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';
import { TTL_ATTRIBUTE } from '#store/table-design';

/**
 * Claims of mails sent at most once, one item per mail: a digest week (`DIGEST#<monday>`, kept a year) or an
 * alert to an owner (`OWNER_MAIL#<eventId>`, kept 30 days, longer than any redelivery of its event). A
 * conditional put claims the mail, so of a repeated, retried or concurrent invocation exactly one sends; the
 * send then records its message id on the item. A send SES refused for now gives the claim back (only if
 * still this caller's), so the retry can send (`sendFromSenderOnce` in #app/mail decides). Each claim has its own partition: no key is written twice a second.
 */

export type MailClaim = { kind: 'digest'; week: string } | { kind: 'owner-alert'; eventId: string };

const DAY_SECONDS = 86_400;
const RETENTION_SECONDS: Record<MailClaim['kind'], number> = {
  digest: 366 * DAY_SECONDS,
  'owner-alert': 30 * DAY_SECONDS,
};

const keyOf = (claim: MailClaim) =>
  claim.kind === 'digest' ? keys.digest(claim.week) : keys.ownerAlert(claim.eventId);

const claimItem = (claim: MailClaim, claimedAt: EpochMs, messageId?: string) => ({
  ...keyOf(claim),
  claimedAt,
  ...(messageId ? { messageId } : {}),
  [TTL_ATTRIBUTE]: Math.floor(claimedAt / 1000) + RETENTION_SECONDS[claim.kind],
});

/** Whether the mail is claimed (read strongly): a repeated invocation can stop before any other work. */
export async function isMailClaimed(claim: MailClaim): Promise<boolean> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keyOf(claim), ConsistentRead: true }),
  );
  return result.Item !== undefined;
}

/** Claims the mail for this caller (`claimedAt` identifies the claim); false when it is already claimed. */
export function claimMail(claim: MailClaim, claimedAt: EpochMs): Promise<boolean> {
  return conditionalWrite(() =>
    dynamodb.send(
      new PutCommand({
        TableName: tableName,
        Item: claimItem(claim, claimedAt),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/** Records the sent mail's id on this caller's claim (for whoever looks at the table). */
export async function markMailSent(claim: MailClaim, claimedAt: EpochMs, messageId: string): Promise<void> {
  await dynamodb.send(
    new PutCommand({
      TableName: tableName,
      Item: claimItem(claim, claimedAt, messageId),
      ConditionExpression: 'claimedAt = :claimedAt',
      ExpressionAttributeValues: { ':claimedAt': claimedAt },
    }),
  );
}

/** Gives back a claim whose mail was not sent, so a retry sends it (only if the claim is still ours). */
export async function releaseMail(claim: MailClaim, claimedAt: EpochMs): Promise<void> {
  await conditionalWrite(() =>
    dynamodb.send(
      new DeleteCommand({
        TableName: tableName,
        Key: keyOf(claim),
        ConditionExpression: 'claimedAt = :claimedAt',
        ExpressionAttributeValues: { ':claimedAt': claimedAt },
      }),
    ),
  );
}
