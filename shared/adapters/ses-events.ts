/**
 * SES engagement events (SES → default EventBridge bus) as our use cases read them. Apart from the SES
 * client (ses.ts) so the functions that only send mail do not bundle this validator.
 */
import { env } from '#config/env';
import type { EpochMs } from '#domain/lead/types';
import * as z from '#domain/lead/validation';
import { SENT_DAY_TAG } from '#domain/nurture/email-kpis';

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
  /**
   * When SES took the mail (`mail.timestamp`): its events belong to the mail, so to this send; and
   * `isMachineClick` judges a click by how soon after it came.
   */
  sentAt: EpochMs;
  /**
   * The e-mail KPI day of the mail's `sent` count, from the `sentday` tag our step mails carry (YYYY-MM-DD in
   * the app's time zone, decided with the count): the day its delivery, bounce, open or click counts on.
   */
  sentDay?: string;
  /** From the mail's tags (`lead`, `sequence`, `step`); the lead falls back to the recipient address. */
  leadId?: string;
  recipients: string[];
  sequenceId?: string;
  stepId?: string;
  bounceType?: string;
  feedbackId?: string;
  link?: string;
  /** The user agent SES saw fetch the open's pixel (`isMachineOpen` tells a proxy's prefetch from a reader). */
  userAgent?: string;
}

/** SES puts message tags in `mail.tags` as arrays of strings. (zod/mini: the email-events cold path.) */
const tags = z._default(z.record(z.string(), z.array(z.string())), {});
const timestamp = z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s)), 'timestamp'));
const mail = z.object({
  messageId: z.string().check(z.minLength(1), z.maxLength(256)),
  timestamp,
  destination: z._default(z.array(z.string()), []),
  tags,
});
const recipients = z._default(z.array(z.object({ emailAddress: z.string() })), []);

const sesEventSchema = z.object({
  source: z.literal('aws.ses'),
  'detail-type': z.enum(SES_DETAIL_TYPES),
  detail: z.object({
    eventType: z.string(),
    mail,
    delivery: z.optional(z.object({ timestamp })),
    bounce: z.optional(
      z.object({
        bounceType: z.string(),
        bounceSubType: z.optional(z.string()),
        bouncedRecipients: recipients,
        timestamp,
        feedbackId: z.optional(z.string().check(z.maxLength(256))),
      }),
    ),
    complaint: z.optional(
      z.object({
        complainedRecipients: recipients,
        timestamp,
        feedbackId: z.optional(z.string().check(z.maxLength(256))),
      }),
    ),
    open: z.optional(z.object({ timestamp, userAgent: z.optional(z.string().check(z.maxLength(2048))) })),
    click: z.optional(z.object({ timestamp, link: z.string().check(z.maxLength(8192)) })),
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
    sentAt: Date.parse(detail.mail.timestamp),
    ...optional('sentDay', dayTag(detail.mail.tags[SENT_DAY_TAG]?.[0])),
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
      return {
        kind: 'open',
        ...common,
        occurredAt: Date.parse(detail.open.timestamp),
        ...optional('userAgent', detail.open.userAgent),
      };
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

const dayTag = (value: string | undefined): string | undefined =>
  value !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : undefined;

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return (value ? { [key]: value } : {}) as Partial<Record<K, string>>;
}
