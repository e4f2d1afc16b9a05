/** Whole-week chart span: this week and the seven before it. */
const WEEKS = 8;
const DAY_MS = 86_400_000;

/**
 * The last `weeks` whole weeks (Monday to Sunday, as the reports' weeks) up to the one holding `now` in the
 * reports' time zone. The leads report's default range (this month) cut the chart's first and last week at
 * the month's edge: the point named for the week of 11/30 counted only 12/1 to 12/6, a drop that never
 * happened.
 */
export function wholeWeeks(now: Date, timeZone: string, weeks = WEEKS): { from: string; to: string } {
  // en-CA writes YYYY-MM-DD.
  const today = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
  const noon = Date.parse(`${today}T12:00:00Z`);
  const monday = noon - ((new Date(noon).getUTCDay() + 6) % 7) * DAY_MS;
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  return { from: day(monday - (weeks - 1) * 7 * DAY_MS), to: day(monday + 6 * DAY_MS) };
}
