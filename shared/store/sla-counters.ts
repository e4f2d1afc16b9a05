import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SlaCounter } from '#domain/handoff/sla';
import { dynamodb, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';
import type { TransactItem } from '#store/leads';

/**
 * One counter item per report period (`COUNTER#sla`): hand-offs started, SLA met, breached, reassignments, and the
 * first-contact clock's met/breached.
 * Written in the transaction of the change it counts, so a replay (which writes nothing) never counts twice,
 * and the compliance report reads one item per period, whatever the number of leads.
 */
export function slaCounterUpdate(period: string, counters: readonly SlaCounter[]): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: keys.counter('sla', period),
      UpdateExpression: `ADD ${counters.map((_, i) => `#c${i} :one`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(counters.map((c, i) => [`#c${i}`, c])),
      ExpressionAttributeValues: { ':one': 1 },
    },
  };
}

export async function readSlaCounters(period: string): Promise<Record<SlaCounter, number>> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.counter('sla', period), ConsistentRead: true }),
  );
  const item = result.Item ?? {};
  const n = (k: SlaCounter) => (typeof item[k] === 'number' ? (item[k] as number) : 0);
  return {
    started: n('started'),
    met: n('met'),
    breached: n('breached'),
    reassigned: n('reassigned'),
    firstContactMet: n('firstContactMet'),
    firstContactBreached: n('firstContactBreached'),
  };
}
