import { createSweeper } from './sweep.ts';

/**
 * EventBridge Scheduler runs this every minute in AWS; the local scheduler every few seconds. Processors
 * per timer kind are registered in one place.
 */
export const handler = createSweeper({});
