import { createHash } from 'node:crypto';
import { now } from '#adapters/clock';
import { logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { suppressInAccount } from '#adapters/ses';
import { parseSesEvent, type SesEngagement } from '#adapters/ses-events';
import { countEmailOnce, countsInKpis, emailKpiDay } from '#app/email-kpis';
import { recordActivity } from '#app/record-activity';
import { recordDelivery, recordTransientBounce, suppressLead } from '#app/suppress-lead';
import { settings } from '#config/settings';
import { emailKey } from '#domain/capture/email-address';
import type { EpochMs } from '#domain/lead/types';
import { isMachineClick, isMachineOpen } from '#domain/nurture/machine-opens';
import type { EmailMail } from '#domain/reports/counting';
import { addEngagement } from '#store/enrollments';
import { findLeadIdByEmail } from '#store/leads';

export type { SesEngagement } from '#adapters/ses-events';

export type EngagementResult =
  | 'applied'
  | 'duplicate'
  | 'suppressed'
  | 'counted'
  | 'ignored'
  | 'lead_not_found'
  | 'already';

/**
 * SES engagement from the default bus (the email-events entry). Events of another configuration set,
 * unparseable or incomplete ones are dropped (unparseable ones logged: a retry could never succeed). Each
 * event finds its lead through the `lead` message tag every mail of ours carries, else through the
 * recipient. Failures writing our own state throw, so EventBridge retries; idempotency keys make that safe.
 */
export async function recordSesEvent(event: {
  'detail-type'?: string;
  id?: string;
}): Promise<EngagementResult> {
  const parsed = parseSesEvent(event);
  if (!parsed.ok) {
    if (parsed.reason === 'unparseable') {
      logger.warn('email-events: event ignored', { detailType: event['detail-type'], id: event.id });
    }
    return 'ignored';
  }
  const { engagement } = parsed;
  const leadId = await leadOf(engagement);
  if (!leadId) {
    logger.info('email-events: no lead for message', {
      messageId: engagement.messageId,
      kind: engagement.kind,
    });
    return 'lead_not_found';
  }
  return handleEngagement(engagement, leadId, now());
}

/** The lead tag when present, else the first recipient that is a known lead. */
async function leadOf(engagement: SesEngagement): Promise<string | undefined> {
  if (engagement.leadId) return engagement.leadId;
  for (const recipient of engagement.recipients) {
    const key = emailKey(recipient.replace(/^.*<([^>]+)>\s*$/, '$1'));
    const leadId = key ? await findLeadIdByEmail(key) : undefined;
    if (leadId) return leadId;
  }
  return undefined;
}

/**
 * One SES engagement event for one lead. Hard bounces and complaints suppress (complaint = unsubscribe
 * too), soft bounces count up to the limit, deliveries reset that count, opens and clicks are scored once
 * per message (and link) and remembered on the enrollment for `previous_not_opened/clicked` conditions.
 * A click on our own unsubscribe link is not engagement, nor is an open a proxy made (`isMachineOpen`) or a
 * click a security gateway made on arrival (`isMachineClick`).
 */
async function handleEngagement(
  event: SesEngagement,
  leadId: string,
  at: EpochMs,
): Promise<EngagementResult> {
  // The KPIs count a mail's events on the day the mail was sent (the day of its `sent` count): a range's
  // delivered, opened or clicked are those of the mails it sent, so no rate exceeds 1 at a range's edge (an
  // open on Monday of a mail sent on Sunday counts on Sunday), whenever SES saw it or we processed it.
  const kpiDay = kpiDayOf(event, at);
  switch (event.kind) {
    case 'delivery': {
      const result = await recordDelivery(leadId, at);
      if (result === 'not_found') return 'lead_not_found';
      if (!countsInKpis(mailOf(event))) return 'applied';
      // SES events arrive at least once: the delivery's fact (its record) counts it the first time only.
      const first = await countEmailOnce(leadId, {
        kpi: 'delivered',
        id: event.messageId,
        at,
        day: kpiDay,
        mail: mailOf(event),
      });
      return first ? 'applied' : 'duplicate';
    }
    case 'bounce': {
      const key = `${event.messageId}:bounce:${event.feedbackId ?? 'none'}`;
      if (event.bounceType === 'Permanent') {
        if (settings.nurtureSettings.suppressInSesAccountList) {
          // Before our own write: a failure here is retried by EventBridge, ours then is the duplicate guard.
          for (const recipient of event.recipients) await suppressInAccount(recipient, 'BOUNCE');
        }
        const result = await suppressLead(leadId, 'bounce', key, at, mailOf(event), kpiDay);
        if (result === 'not_found') return 'lead_not_found';
        return result === 'suppressed' ? 'suppressed' : result;
      }
      const result = await recordTransientBounce(leadId, key, at, mailOf(event), kpiDay);
      if (result === 'not_found') return 'lead_not_found';
      return result;
    }
    case 'complaint': {
      if (settings.nurtureSettings.suppressInSesAccountList) {
        for (const recipient of event.recipients) await suppressInAccount(recipient, 'COMPLAINT');
      }
      const result = await suppressLead(
        leadId,
        'complaint',
        `${event.messageId}:complaint`,
        at,
        mailOf(event),
        kpiDay,
      );
      if (result === 'not_found') return 'lead_not_found';
      return result === 'suppressed' ? 'suppressed' : result;
    }
    case 'open':
    case 'click':
      return recordOpenOrClick(event, leadId, at, kpiDay);
  }
}

/**
 * The KPI day of a mail's events: the day its `sent` was counted on, as the step mail's `sentday` tag says;
 * for a mail sent before it carried the tag, the day SES took it (`mail.timestamp`, never in the future).
 */
function kpiDayOf(event: SesEngagement, at: EpochMs): string {
  return event.sentDay ?? emailKpiDay(Math.min(event.sentAt, at));
}

async function recordOpenOrClick(
  event: SesEngagement,
  leadId: string,
  at: EpochMs,
  kpiDay: string,
): Promise<EngagementResult> {
  if (event.kind === 'click' && event.link && isUnsubscribeLink(event.link)) return 'ignored';
  // Apple Mail Privacy Protection's prefetch: nobody read the mail, so no points, no `opened` KPI and no
  // `previous_not_opened` answered by it.
  if (event.kind === 'open' && isMachineOpen(event)) {
    countMetric('MachineOpenIgnored', event.sequenceId ? { sequenceId: event.sequenceId } : {});
    return 'ignored';
  }
  // A security gateway following the link on arrival: no points, no `clicked` (nor its open) counted, no
  // `previous_not_clicked` answered by it.
  if (event.kind === 'click' && isMachineClick(event, settings.nurtureSettings.machineClickSeconds * 1000)) {
    countMetric('MachineClickIgnored', event.sequenceId ? { sequenceId: event.sequenceId } : {});
    return 'ignored';
  }
  const type = event.kind === 'open' ? 'email_open' : 'email_click';
  const eventId =
    event.kind === 'open'
      ? `ses:${event.messageId}:open`
      : `ses:${event.messageId}:click:${linkKey(event.link ?? '')}`;
  const properties: Record<string, string> = { messageId: event.messageId };
  if (event.sequenceId) properties.sequenceId = event.sequenceId;
  if (event.stepId) properties.stepId = event.stepId;
  const occurredAt = Math.min(event.occurredAt, at);
  const result = await recordActivity(
    leadId,
    {
      eventId,
      type,
      occurredAt,
      ...(event.link ? { url: event.link.slice(0, 2000) } : {}),
      properties,
    },
    at,
  );
  if (result === 'not_found') return 'lead_not_found';
  if (event.sequenceId) {
    await addEngagement(
      leadId,
      event.sequenceId,
      event.kind === 'open' ? 'opened' : 'clicked',
      event.messageId,
    );
  }
  // Counted on every delivery of the event (a replay too): the fact guard counts it once, and a crash
  // between the timeline write and the count is made good by EventBridge's retry. Unique per message: a
  // second link clicked in the same mail is on the timeline (and scored) but not a second click in the KPI.
  if (countsInKpis(mailOf(event))) {
    await countEmailOnce(leadId, {
      kpi: event.kind === 'open' ? 'opened' : 'clicked',
      id: `ses:${event.messageId}:${event.kind}`,
      at,
      day: kpiDay,
      mail: mailOf(event),
    });
    // A click means the mail was read: it counts as its open when no open event came (images blocked, as
    // Outlook does by default). Same fact id as the open's, so a mail with both counts one open.
    if (event.kind === 'click')
      await countEmailOnce(leadId, {
        kpi: 'opened',
        id: `ses:${event.messageId}:open`,
        at,
        day: kpiDay,
        mail: mailOf(event),
      });
  }
  return result === 'applied' ? 'applied' : 'duplicate';
}

/** The mail an SES event is about (from our message tags). */
function mailOf(event: SesEngagement): EmailMail {
  return { sequenceId: event.sequenceId, stepId: event.stepId };
}

/** A click's event id names its link; a long link is hashed so the timeline key stays small. */
function linkKey(link: string): string {
  return link.length <= 200 ? link : `sha256:${createHash('sha256').update(link).digest('base64url')}`;
}

function isUnsubscribeLink(link: string): boolean {
  try {
    return new URL(link).pathname === '/v1/unsubscribe';
  } catch {
    return false;
  }
}
