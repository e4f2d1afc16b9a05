import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { settings } from '#config/settings';
import type { EpochMs } from '#domain/lead/types';
import { DAY_MS, RETENTION_TIMER_KIND } from '#domain/privacy/retention';
import { tableName } from '#store/dynamodb';
import { dueAttributes, keys } from '#store/keys';
import { TTL_ATTRIBUTE } from '#store/table-design';

/**
 * The TTL attribute of items that expire by the retention policy (config/app.ts `retention`): the one
 * place the store reads a configured value, so every writer of a timeline entry or an anonymous event gets
 * the same expiry without each use case passing it down.
 */
const expiry = (from: EpochMs, days: number) => ({
  [TTL_ATTRIBUTE]: Math.floor((from + days * DAY_MS) / 1000),
});

export const timelineExpiry = (recordedAt: EpochMs) =>
  expiry(recordedAt, settings.app.retention.timelineDays);
export const anonymousExpiry = (now: EpochMs) => expiry(now, settings.app.retention.anonymousDays);

/** Arm the retention timer of a disqualified lead at `at` (written in the disqualifying transaction). */
export function retentionTimerPut(
  leadId: string,
  at: EpochMs,
): NonNullable<TransactWriteCommandInput['TransactItems']>[number] {
  const key = keys.timer(leadId, RETENTION_TIMER_KIND);
  return {
    Put: {
      TableName: tableName,
      Item: { ...key, leadId, ...dueAttributes(key.pk, key.sk, at, RETENTION_TIMER_KIND) },
    },
  };
}
