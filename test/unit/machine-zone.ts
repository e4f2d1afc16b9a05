/**
 * The `unit-tokyo` project's setup: the unit tier again with the machine's own time zone set to Asia/Tokyo,
 * as on a Japanese developer's laptop (CI machines and Lambda run in UTC). The product never reads the
 * machine's zone (every local time goes through `config/app.ts` → `timeZone` or the window's zone), so every
 * test passes in both; this checks the zone really took before the tests run.
 */
const offset = new Date(Date.UTC(2026, 0, 15)).getTimezoneOffset();
if (process.env.TZ !== 'Asia/Tokyo' || offset !== -540)
  throw new Error(`unit-tokyo: the machine zone did not take (TZ=${process.env.TZ}, offset ${offset})`);
