import { checkHealth } from '#app/check-health';
import { httpHandler } from '#http/api';
import { json } from '#http/responses';

/** `GET /v1/health`: liveness; `GET /v1/health?deep=1`: the table answers too (503 when it does not). */
export const handler = httpHandler(async (event) => {
  const deep = event.queryStringParameters?.deep !== undefined;
  const health = await checkHealth({ deep });
  return json(health.status === 'ok' ? 200 : 503, health);
});
