import type { EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { now } from '#adapters/clock';
import { logger } from '#adapters/logger';
import { handleEngagement, type SesEngagement } from '#app/mail-status';
import { env } from '#config/env';
import { emailKey } from '#domain/capture/email-address';
import { findLeadIdByEmail } from '#store/leads';

/** The SES detail-types this function handles (the rule's pattern lists the same). */
export const SES_DETAIL_TYPES = [
  'Email Delivered',
  'Email Bounced',
  'Email Complaint Received',
  'Email Opened',
  'Email Clicked',
] as const;

/** SES puts message tags in `mail.tags` as arrays of strings. */
const tags = z.record(z.string(), z.array(z.string())).default({});
const timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'timestamp');
const mail = z.object({
  messageId: z.string().min(1).max(256),
  timestamp,
  destination: z.array(z.string()).default([]),
  tags,
});
const recipients = z.array(z.object({ emailAddress: z.string() })).default([]);

const sesEventSchema = z.object({
  source: z.literal('aws.ses'),
  'detail-type': z.enum(SES_DETAIL_TYPES),
  detail: z.object({
    eventType: z.string(),
    mail,
    delivery: z.object({ timestamp }).optional(),
    bounce: z
      .object({
        bounceType: z.string(),
        bounceSubType: z.string().optional(),
        bouncedRecipients: recipients,
        timestamp,
        feedbackId: z.string().max(256).optional(),
      })
      .optional(),
    complaint: z
      .object({ complainedRecipients: recipients, timestamp, feedbackId: z.string().max(256).optional() })
      .optional(),
    open: z.object({ timestamp }).optional(),
    click: z.object({ timestamp, link: z.string().max(8192) }).optional(),
  }),
});
type SesEvent = z.output<typeof sesEventSchema>;

const configurationSet = env().SES_CONFIGURATION_SET;

/**
 * SES engagement from the default bus (SES publishes only there). The rule matches `source: aws.ses` and
 * the detail-types above; the configuration set's name is only known at deploy, so this handler drops
 * events of any other configuration set in the account (`mail.tags['ses:configuration-set']`). Each event
 * finds its lead through the `lead` message tag every mail of ours carries, else through the recipient.
 * Unparseable or foreign events are logged and dropped (a retry could never succeed); failures writing
 * our own state throw, so EventBridge retries, and the service's idempotency keys make that safe.
 */
export const handler = async (event: EventBridgeEvent<string, unknown>) => {
  const parsed = sesEventSchema.safeParse(event);
  if (!parsed.success) {
    logger.warn('email-events: event ignored', { detailType: event['detail-type'], id: event.id });
    return { result: 'ignored' };
  }
  const ses = parsed.data;
  if (ses.detail.mail.tags['ses:configuration-set']?.[0] !== configurationSet) {
    return { result: 'ignored' };
  }
  const engagement = toEngagement(ses);
  if (!engagement) return { result: 'ignored' };
  const leadId = await leadOf(engagement);
  if (!leadId) {
    logger.info('email-events: no lead for message', {
      messageId: engagement.messageId,
      kind: engagement.kind,
    });
    return { result: 'lead_not_found' };
  }
  const result = await handleEngagement(engagement, leadId, now());
  return { result };
};

const first = (values: string[] | undefined): string | undefined => values?.[0];

const toEngagement = (ses: SesEvent): SesEngagement | undefined => {
  const { detail } = ses;
  const common = {
    messageId: detail.mail.messageId,
    recipients: detail.mail.destination,
    ...optional('leadId', first(detail.mail.tags.lead)),
    ...optional('sequenceId', first(detail.mail.tags.sequence)),
    ...optional('stepId', first(detail.mail.tags.step)),
  };
  switch (ses['detail-type']) {
    case 'Email Delivered':
      return {
        kind: 'delivery',
        ...common,
        occurredAt: Date.parse(detail.delivery?.timestamp ?? detail.mail.timestamp),
      };
    case 'Email Bounced':
      if (!detail.bounce) return undefined;
      return {
        kind: 'bounce',
        ...common,
        recipients: detail.bounce.bouncedRecipients.map((r) => r.emailAddress),
        occurredAt: Date.parse(detail.bounce.timestamp),
        bounceType: detail.bounce.bounceType,
        ...optional('feedbackId', detail.bounce.feedbackId),
      };
    case 'Email Complaint Received':
      if (!detail.complaint) return undefined;
      return {
        kind: 'complaint',
        ...common,
        recipients: detail.complaint.complainedRecipients.map((r) => r.emailAddress),
        occurredAt: Date.parse(detail.complaint.timestamp),
        ...optional('feedbackId', detail.complaint.feedbackId),
      };
    case 'Email Opened':
      if (!detail.open) return undefined;
      return { kind: 'open', ...common, occurredAt: Date.parse(detail.open.timestamp) };
    case 'Email Clicked':
      if (!detail.click) return undefined;
      return {
        kind: 'click',
        ...common,
        occurredAt: Date.parse(detail.click.timestamp),
        link: detail.click.link,
      };
  }
};

const optional = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> =>
  (value ? { [key]: value } : {}) as Partial<Record<K, string>>;

/** The lead tag when present, else the first recipient that is a known lead. */
const leadOf = async (engagement: SesEngagement): Promise<string | undefined> => {
  if (engagement.leadId) return engagement.leadId;
  for (const recipient of engagement.recipients) {
    const key = emailKey(recipient.replace(/^.*<([^>]+)>\s*$/, '$1'));
    const leadId = key ? await findLeadIdByEmail(key) : undefined;
    if (leadId) return leadId;
  }
  return undefined;
};
