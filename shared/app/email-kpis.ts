import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { errorFields, logger } from '#adapters/logger';
import { settings } from '#config/settings';
import type { EpochMs } from '#domain/lead/types';
import { civilDateKey, localParts } from '#domain/nurture/calendar';
import { dynamodb, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';

/**
 * E-mail KPI counters: one item per counter and day (Asia/Tokyo days), incremented with `ADD`, so a report
 * costs the same at any volume.
 */

// ------------------------------------------------------------------------------------------------------
// KPI counters

export const EMAIL_KPIS = [
  'sent',
  'delivered',
  'bounced',
  'opened',
  'clicked',
  'unsubscribed',
  'complained',
] as const;
export type EmailKpi = (typeof EMAIL_KPIS)[number];

/** The counter period: the calendar day in the app's time zone (YYYY-MM-DD). */
export const kpiDay = (at: EpochMs): string => civilDateKey(localParts(at, settings.app.timeZone));

/** Counter item names: `email_sent`, and per sequence `email_sent#whitepaper-nurture`. */
export const kpiCounterName = (kpi: EmailKpi, sequenceId?: string): string =>
  sequenceId ? `email_${kpi}#${sequenceId}` : `email_${kpi}`;

/** Add one to the day's counter (and the sequence's). A lost increment on a crash is accepted. */
export const countEmail = async (kpi: EmailKpi, at: EpochMs, sequenceId?: string): Promise<void> => {
  const names = [kpiCounterName(kpi), ...(sequenceId ? [kpiCounterName(kpi, sequenceId)] : [])];
  await Promise.all(
    names.map((name) =>
      dynamodb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.counter(name, kpiDay(at)),
          UpdateExpression: 'ADD #count :one',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      ),
    ),
  ).catch((error: unknown) => {
    // A report off by one beats a retried event that would send or suppress twice.
    logger.warn('counter not updated', { kpi, ...errorFields(error) });
  });
};

/** Read a day's counter (reports, tests). */
export const readCounter = async (name: string, day: string): Promise<number> => {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.counter(name, day), ConsistentRead: true }),
  );
  return typeof result.Item?.count === 'number' ? result.Item.count : 0;
};
