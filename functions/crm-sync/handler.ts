import type { EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { noteCrmSync } from '#app/crm-sync';
import { eventHandler } from '#http/lambda';

// zod/mini: tree-shakable (this is the function's cold path); messages are not surfaced here.
const changeSchema = z.object({
  'detail-type': z.string().check(z.minLength(1), z.maxLength(64)),
  detail: z.object({ leadId: z.string().check(z.minLength(1), z.maxLength(128)) }),
});

/**
 * Target of the `crm-sync-changes` rule on the leads bus: a change sales cares about (stage, owner,
 * temperature, deal phase, unsubscribe) on a handed-off lead arms its coalesced CRM update. An event that
 * cannot be parsed is dropped (retrying would never succeed).
 */
export const handler = eventHandler(async (event: EventBridgeEvent<string, unknown>) => {
  const parsed = changeSchema.safeParse(event);
  if (!parsed.success) return { outcome: 'ignored' as const };
  return {
    outcome: await noteCrmSync({ detailType: parsed.data['detail-type'], leadId: parsed.data.detail.leadId }),
  };
});
