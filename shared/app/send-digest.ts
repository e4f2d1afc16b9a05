import { now } from '#adapters/clock';
import { logger } from '#adapters/logger';
import { sendFromSenderOnce } from '#app/mail';
import { type ReportName, viewReport } from '#app/report-view';
import { settings } from '#config/settings';
import {
  type DayRange,
  type DigestFigures,
  type DigestWeek,
  digestWeek,
  renderDigest,
} from '#domain/reports/digest';
import type { RawParams } from '#domain/reports/params';
import type { emailReport, funnelReport, LeadsPoint, slaReport } from '#domain/reports/reports';
import { isMailClaimed } from '#store/mail-claims';

export type DigestOutcome =
  | { outcome: 'not_configured' }
  | { outcome: 'already_sent'; week: string }
  | { outcome: 'sent'; week: string; messageId: string; recipients: number };

/**
 * A report's body as the route answers it (`viewReport` spreads the domain's report into its body), read
 * back with the domain's types: the digest asks the very use case the routes answer from.
 */
async function report<T>(name: ReportName, params: RawParams): Promise<T> {
  const result = await viewReport(name, params);
  if (result.kind === 'invalid')
    throw new Error(`digest: ${name} report refused ${JSON.stringify(result.errors)}`);
  return result.body as T;
}

type FunnelBody = ReturnType<typeof funnelReport>;
type EmailBody = ReturnType<typeof emailReport>;
type SlaBody = ReturnType<typeof slaReport>;

/** One week's figures: the funnel by channel (with its total), the e-mail and SLA totals. */
async function figuresOf(range: DayRange): Promise<DigestFigures> {
  const [funnel, email, sla] = await Promise.all([
    report<FunnelBody>('funnel', { ...range, groupBy: 'channel' }),
    report<EmailBody>('email', range),
    report<SlaBody>('sla', range),
  ]);
  return { funnel, email: email.total, sla: sla.total };
}

/** The leads report over the month to date, one point (group `all`) with its prorated targets. */
async function monthToDate(week: DigestWeek): Promise<LeadsPoint | undefined> {
  const body = await report<{ series: LeadsPoint[] }>('leads', { ...week.monthToDate, interval: 'month' });
  return body.series[0];
}

/**
 * The weekly review digest: the last whole week (Monday–Sunday in `app.timeZone`) against the week before,
 * from the report use cases the routes use, mailed once to the configured recipients.
 *
 * Exactly once per week: the week is claimed in the table (a conditional put), so a repeated, retried or
 * concurrent invocation finds the claim and sends nothing. The figures are read and the mail rendered BEFORE
 * the claim (a repeat sees the claim in one read first and reads no report), so a run that fails or times
 * out while reading the reports, the slow part, has claimed nothing and its retry sends the week. The claim
 * is followed by the send alone (`sendFromSenderOnce`): SES refusing it for now gives the claim back and
 * fails the run, so Lambda's retry sends it. An unknown result (an SES timeout: it may have taken the mail)
 * or a rejection keeps the claim and fails the run (the function's error alarm); so does a crash during the
 * SES call itself. To send such a week, delete the `DIGEST#<monday>` item and run `leadloop digest send`. A
 * crash after SES took the mail and before the claim is marked sent loses nothing: the claim stays. We chose
 * at most once: a second copy of a team mail is worse than a missing one the alarm reports.
 */
export async function sendWeeklyDigest(): Promise<DigestOutcome> {
  const config = settings.reports.digest;
  if (!config) return { outcome: 'not_configured' };
  const at = now();
  const timeZone = settings.app.timeZone;
  const week = digestWeek(at, timeZone);
  const alreadySent = () => {
    logger.info('digest already sent', { week: week.from });
    return { outcome: 'already_sent', week: week.from } as const;
  };
  const claim = { kind: 'digest', week: week.from } as const;
  if (await isMailClaimed(claim)) return alreadySent();
  const [current, previous, month] = await Promise.all([
    figuresOf(week),
    figuresOf(week.previous),
    monthToDate(week),
  ]);
  const mail = renderDigest({
    week,
    timeZone,
    current,
    previous,
    monthToDate: month,
    topChannels: config.topChannels,
  });
  const sent = await sendFromSenderOnce(
    claim,
    {
      to: config.recipients,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      tags: { kind: 'digest', week: week.from },
    },
    { digestWeek: week.from },
  );
  if (sent.outcome === 'already_sent') return alreadySent();
  // Claimed and not known to be sent: fail the run, so the function's error alarm tells someone (its retry
  // finds the claim and sends nothing).
  if (sent.outcome !== 'sent') throw new Error(`digest of ${week.from}: ${sent.outcome}, not sent again`);
  const { messageId } = sent;
  logger.info('digest sent', { week: week.from, recipients: config.recipients.length, messageId });
  return { outcome: 'sent', week: week.from, messageId, recipients: config.recipients.length };
}
