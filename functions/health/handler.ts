import { httpHandler } from '#http/api';
import { json } from '#http/responses';

export const handler = httpHandler(async () => json(200, { status: 'ok' }));
