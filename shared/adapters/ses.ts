import {
  PutSuppressedDestinationCommand,
  SESv2Client,
  SESv2ServiceException,
  SendEmailCommand,
} from '@aws-sdk/client-sesv2';
import { z } from 'zod';
import { traced } from '#adapters/tracer';
import { env } from '#config/env';
import type { EpochMs } from '#domain/lead/types';

/** The SES client (exported so tests can add SDK middleware, e.g. to inject faults). */
export const sesClient = traced(new SESv2Client({}));
const configurationSet = env().SES_CONFIGURATION_SET;

export interface OutgoingMail {
  from: string;
  replyTo?: string[];
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers such as List-Unsubscribe; values are checked for CR/LF before they get here. */
  headers?: { name: string; value: string }[];
  /** Message tags: SES engagement events carry them back so each event finds its lead. */
  tags?: Record<string, string>;
}

/** SES tag values allow only [A-Za-z0-9_\-.@]; ids we tag with are already in that alphabet. */
const tagValue = (v: string): string => v.replace(/[^A-Za-z0-9_\-.@]/g, '_').slice(0, 256);

export class MailRejectedError extends Error {
  override name = 'MailRejectedError';
}

/**
 * SES refused to take the message for now (sending rate or daily quota exceeded, sending paused): nothing was
 * sent, and the same mail may be sent later. Distinct from an unknown result (a timeout), where it may have.
 */
export class MailNotSentError extends Error {
  override name = 'MailNotSentError';
}

const NOT_SENT_ERRORS = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'ThrottlingException',
  'SendingPausedException',
]);

/** Send one mail through the project's configuration set; returns the SES message id. */
export async function sendMail(mail: OutgoingMail): Promise<string> {
  try {
    const result = await sesClient.send(
      new SendEmailCommand({
        FromEmailAddress: mail.from,
        ReplyToAddresses: mail.replyTo,
        Destination: { ToAddresses: [mail.to] },
        ConfigurationSetName: configurationSet,
        EmailTags: Object.entries(mail.tags ?? {}).map(([Name, Value]) => ({ Name, Value: tagValue(Value) })),
        Content: {
          Simple: {
            Subject: { Data: mail.subject, Charset: 'UTF-8' },
            Body: {
              Html: { Data: mail.html, Charset: 'UTF-8' },
              Text: { Data: mail.text, Charset: 'UTF-8' },
            },
            Headers: mail.headers?.map((h) => ({ Name: h.name, Value: h.value })),
          },
        },
      }),
    );
    return result.MessageId ?? '';
  } catch (error) {
    // A rejected message (bad address, account-level suppression) will not succeed on retry: say so plainly.
    if (
      error instanceof SESv2ServiceException &&
      ['MessageRejected', 'BadRequestException'].includes(error.name)
    ) {
      throw new MailRejectedError(error.message);
    }
    if (error instanceof Error && NOT_SENT_ERRORS.has(error.name)) throw new MailNotSentError(error.message);
    throw error;
  }
}

/** Add an address to the SES account-level suppression list (optional, per nurture settings). */
export async function suppressInAccount(email: string, reason: 'BOUNCE' | 'COMPLAINT'): Promise<void> {
  await sesClient.send(new PutSuppressedDestinationCommand({ EmailAddress: email, Reason: reason }));
}

// ------------------------------------------------------------------------------------------------------
// Engagement events (SES → default EventBridge bus)

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
