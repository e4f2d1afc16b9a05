import { crmSalesAction } from '#app/sales-action';
import { eventHandler } from '#http/lambda';

/**
 * Rule target on the leads bus: `CRM Sales Action` events (`source: leadloop.crm`), the ops API's bodies
 * plus `leadId` or `email`, applied by the same use case as `POST /v1/ops/leads/{leadId}/{action}`. Bad or
 * refused actions are logged and counted, never retried; only infrastructure errors throw.
 */
export const handler = eventHandler(async (event: unknown): Promise<void> => {
  await crmSalesAction(event);
});
