import { sendWeeklyDigest } from '#app/send-digest';
import { eventHandler } from '#http/lambda';

/**
 * The weekly review digest: EventBridge Scheduler runs this on the configured weekday and time (cron in
 * `app.timeZone`, config/reports.ts → digest); locally `leadloop digest send` or the local clock does. One
 * use case: last week's figures from the report use cases, mailed once per week (a claim in the table).
 */
export const handler = eventHandler(async () => sendWeeklyDigest());
