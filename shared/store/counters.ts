import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';
import type { TransactItem } from '#store/leads';

/**
 * Counter items (`keys.counter(name, period)`): numeric fields incremented with `ADD`, so a report reads one
 * item per counter and period whatever the volume. `fields` maps a field to the amount to add, e.g.
 * `{ count: 1 }` or `{ started: 1, met: 1 }`.
 */

function addUpdate(name: string, period: string, fields: Readonly<Record<string, number>>) {
  const entries = Object.entries(fields);
  return {
    TableName: tableName,
    Key: keys.counter(name, period),
    UpdateExpression: `ADD ${entries.map((_, i) => `#c${i} :v${i}`).join(', ')}`,
    ExpressionAttributeNames: Object.fromEntries(entries.map(([field], i) => [`#c${i}`, field])),
    ExpressionAttributeValues: Object.fromEntries(entries.map(([, amount], i) => [`:v${i}`, amount])),
  };
}

/** The transaction entry that adds to a counter together with the change it counts (a replay adds nothing). */
export function counterAdd(
  name: string,
  period: string,
  fields: Readonly<Record<string, number>>,
): TransactItem {
  return { Update: addUpdate(name, period, fields) };
}

/** Add to a counter at once, outside any transaction. */
export async function incrementCounter(
  name: string,
  period: string,
  fields: Readonly<Record<string, number>>,
): Promise<void> {
  await dynamodb.send(new UpdateCommand(addUpdate(name, period, fields)));
}

/** Read some fields of a counter (0 for a field, or a counter, never written). */
export async function readCounterFields<F extends string>(
  name: string,
  period: string,
  fields: readonly F[],
): Promise<Record<F, number>> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.counter(name, period), ConsistentRead: true }),
  );
  const item = result.Item ?? {};
  return Object.fromEntries(
    fields.map((f) => [f, typeof item[f] === 'number' ? (item[f] as number) : 0]),
  ) as Record<F, number>;
}

/** Read a single-field counter (field `count`). */
export async function readCounter(name: string, period: string): Promise<number> {
  return (await readCounterFields(name, period, ['count'])).count;
}
