import type { EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { noteCrmSync } from '#app/crm-sync';
import { eventHandler } from '#http/lambda';

const changeSchema = z.object({
  'detail-type': z.string().min(1).max(64),
  detail: z.object({ leadId: z.string().min(1).max(128) }),
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
