import { now } from '#adapters/clock';
import { logger } from '#adapters/logger';
import { settings } from '#config/settings';
import { addDays, dayOf } from '#domain/reports/periods';
import { foldGaugeDays } from '#store/report-counters';

/**
 * Days the gauges' fold stays behind today (in `app.timeZone`): a write puts its gauge move only on its own
 * day's counter item, so the day before yesterday is a full day past the last write that could touch it.
 */
export const GAUGE_FOLD_LAG_DAYS = 2;

export interface GaugeFoldReport {
  /** The last day folded. */
  through: string;
  /** Shards whose `current` took its days' moves, and the day items whose moves went with them. */
  shards: number;
  days: number;
}

/**
 * The daily fold of the gauges (run by its schedule, README → Reports): the gauge moves that captures and
 * stage changes left on the day items, through the day before yesterday, are added to the gauges' `current`
 * items, so a scores report reads a few days per shard instead of every day since the start.
 */
export async function foldReportGauges(at: number = now()): Promise<GaugeFoldReport> {
  const through = addDays(dayOf(at, settings.app.timeZone), -GAUGE_FOLD_LAG_DAYS);
  const result = await foldGaugeDays(through);
  logger.info('gauges folded', { through, ...result });
  return { through, ...result };
}
