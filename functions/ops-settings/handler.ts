import { configSummary } from '#app/config-summary';
import { httpHandler } from '#http/api';
import { json } from '#http/responses';

/** GET /v1/ops/settings (signed in): the configuration summary the console's Settings page shows. */
export const handler = httpHandler(async () => json(200, configSummary(), { 'cache-control': 'no-store' }));
