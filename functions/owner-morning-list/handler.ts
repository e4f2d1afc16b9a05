import { sendMorningLists } from '#app/send-morning-lists';
import { eventHandler } from '#http/lambda';

/**
 * The morning list (本日の対応予定): EventBridge Scheduler runs this at `ownerAlerts.morningList.time` on the
 * hand-off clocks' weekdays (cron in `sla.window.timeZone`; holidays and closed dates are skipped inside);
 * locally the runtime's clock does. One use case: each owner with something due today gets one mail of it.
 */
export const handler = eventHandler(async () => sendMorningLists());
