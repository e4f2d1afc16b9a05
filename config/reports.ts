import type { ReportsConfigInput } from '#config/reports';

/**
 * Reports (demo values). Targets per month (leads created, MQLs, SQLs, opportunities), optionally per
 * channel group: `everyMonth` for each month not listed in `months`; `GET /v1/ops/reports/leads` shows
 * attainment against them. `channelGrouping` adds to the
 * default grouping (paid/organic search and social, e-mail, referral, direct, event, webinar, outbound,
 * partner, import); after changing it, run `npm run reports:rebuild`. `digest` mails the weekly review (README →
 * Weekly digest); remove it to send none.
 */
export const reports: ReportsConfigInput = {
  targets: {
    // The steady monthly plan; a month listed under `months` replaces it (a trade-show month, a campaign).
    everyMonth: { leads: 220, mql: 44, sql: 13, opportunities: 5 },
    months: {
      '2026-11': { leads: 200, mql: 40, sql: 12, opportunities: 5 },
      '2026-12': {
        leads: 240,
        mql: 48,
        sql: 15,
        opportunities: 6,
        byChannel: { event: { leads: 60, mql: 15 }, paid_search: { leads: 80, mql: 12 } },
      },
      '2027-01': { leads: 260, mql: 52, sql: 16, opportunities: 7 },
    },
  },
  // The weekly review digest: last week against the week before, every Monday at 09:00 (app.timeZone).
  digest: {
    recipients: ['marketing-team@example.co.jp', 'sales-managers@example.co.jp'],
    weekday: 'monday',
    time: '09:00',
  },
  channelGrouping: {
    mediums: { qr: 'event', dm: 'outbound' },
    ownHosts: ['example.co.jp', 'localhost'],
  },
};
