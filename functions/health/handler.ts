import { checkHealth } from '#app/check-health';
import { httpHandler } from '#http/api';
import { json } from '#http/responses';

/**
 * `GET /v1/health`: liveness; `GET /v1/health?deep=1`: the table answers too (503 when it does not, with
 * `Retry-After: 10`: the deep result is kept that long per container).
 */
export const handler = httpHandler(async (event) => {
  const deep = event.queryStringParameters?.deep !== undefined;
  const health = await checkHealth({ deep });
  return health.status === 'ok' ? json(200, health) : json(503, health, { 'retry-after': '10' });
});
