import type { SalesActionRecord } from '#store/idempotency';

/**
 * What an `actionId` already recorded means for a new request with it: the first answer again (a replay of
 * the same action on the same lead) or a refusal (the id was used for another action or lead); undefined
 * when the id is new. One rule for every action route that stores its first result (sales and deal actions).
 */
export function replayOf<R>(
  previous: SalesActionRecord<R> | undefined,
  leadId: string,
  action: { actionId: string; action: string },
): { status: 'action_id_reused'; message: string } | { status: 'replayed'; result: R } | undefined {
  if (!previous) return undefined;
  if (previous.leadId !== leadId || previous.action !== action.action) {
    return {
      status: 'action_id_reused',
      message: `actionId '${action.actionId}' was already used for another action or lead`,
    };
  }
  return { status: 'replayed', result: previous.result };
}
