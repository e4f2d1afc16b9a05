/**
 * SES engagement events (SES → default EventBridge bus) as our use cases read them. Apart from the SES
 * client (ses.ts) so the functions that only send mail do not bundle this validator.
 */
import { z } from 'zod';
import { env } from '#config/env';
import type { EpochMs } from '#domain/lead/types';

const configurationSet = env().SES_CONFIGURATION_SET;

/** The SES detail-types the email-events function handles (the rule's pattern lists the same). */
export const SES_DETAIL_TYPES = [
  'Email Delivered',
  'Email Bounced',
  'Email Complaint Received',
  'Email Opened',
  'Email Clicked',
] as const;

/** An SES engagement event, as our use cases read it. */
export interface SesEngagement {
  kind: 'delivery' | 'bounce' | 'complaint' | 'open' | 'click';
  messageId: string;
  occurredAt: EpochMs;
  /** From the mail's tags (`lead`, `sequence`, `step`); the lead falls back to the recipient address. */
  leadId?: string;
  recipients: string[];
  sequenceId?: string;
  stepId?: string;
  bounceType?: string;
  feedbackId?: string;
  link?: string;
}

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

/**
 * Read an SES event from EventBridge: `unparseable` when it is not one we know, `foreign` when it belongs to
 * another configuration set in the account (`mail.tags['ses:configuration-set']`; the name is only known at
 * deploy, so the rule cannot filter on it), `incomplete` when its detail lacks the part its type needs.
 */
export function parseSesEvent(
  event: unknown,
): { ok: true; engagement: SesEngagement } | { ok: false; reason: 'unparseable' | 'foreign' | 'incomplete' } {
  const parsed = sesEventSchema.safeParse(event);
  if (!parsed.success) return { ok: false, reason: 'unparseable' };
  if (parsed.data.detail.mail.tags['ses:configuration-set']?.[0] !== configurationSet) {
    return { ok: false, reason: 'foreign' };
  }
  const engagement = toEngagement(parsed.data);
  return engagement ? { ok: true, engagement } : { ok: false, reason: 'incomplete' };
}

function toEngagement(ses: SesEvent): SesEngagement | undefined {
  const { detail } = ses;
  const common = {
    messageId: detail.mail.messageId,
    recipients: detail.mail.destination,
    ...optional('leadId', detail.mail.tags.lead?.[0]),
    ...optional('sequenceId', detail.mail.tags.sequence?.[0]),
    ...optional('stepId', detail.mail.tags.step?.[0]),
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
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return (value ? { [key]: value } : {}) as Partial<Record<K, string>>;
}
