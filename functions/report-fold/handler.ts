import { foldReportGauges } from '#app/fold-gauges';
import { eventHandler } from '#http/lambda';

/**
 * The gauges' daily fold: EventBridge Scheduler runs this once a night (infra/catalog.ts), the local clock
 * does locally. One use case: the gauge moves kept on the report's day items, up to the day before
 * yesterday, added to the gauges' `current` items (a repeated or concurrent run changes nothing: see
 * `foldGaugeDays`).
 */
export const handler = eventHandler(async () => foldReportGauges());
