import {
  PutSuppressedDestinationCommand,
  SESv2Client,
  SESv2ServiceException,
  SendEmailCommand,
} from '@aws-sdk/client-sesv2';
import { SES_MAX_ATTEMPTS, SES_TIMEOUTS } from '#adapters/sdk-timeouts';
import { traced } from '#adapters/tracer';
import { env } from '#config/env';

/**
 * The SES client (exported so tests can add SDK middleware, e.g. to inject faults). An SES that stops
 * answering fails a send within seconds (`SES_TIMEOUTS`, `#adapters/sdk-timeouts`): a `TimeoutError`, whose
 * result is unknown (SES may have taken the mail), so `sendMail` passes it on as it is.
 */
export const sesClient = traced(
  new SESv2Client({ maxAttempts: SES_MAX_ATTEMPTS, requestHandler: SES_TIMEOUTS }),
);
const configurationSet = env().SES_CONFIGURATION_SET;

export interface OutgoingMail {
  from: string;
  replyTo?: string[];
  /** One recipient, or several on one message (the weekly digest's team list). */
  to: string | readonly string[];
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
  /** `throttled`: SES refused it for now; `unreachable`: the request never reached SES. */
  constructor(
    message: string,
    readonly reason: 'throttled' | 'unreachable' = 'throttled',
  ) {
    super(message);
  }
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
        Destination: { ToAddresses: typeof mail.to === 'string' ? [mail.to] : [...mail.to] },
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
    if (error instanceof Error && neverReached(error))
      throw new MailNotSentError(error.message, 'unreachable');
    throw error;
  }
}

/**
 * Network errors raised before a request could be written (no route, no DNS answer, refused): SES never saw
 * it, so nothing was sent. A reset or a timeout may come after SES took the message: those stay uncertain.
 */
const NOT_REACHED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const neverReached = (error: unknown, depth = 0): boolean => {
  if (typeof error !== 'object' || error === null || depth > 2) return false;
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  return (typeof code === 'string' && NOT_REACHED_CODES.has(code)) || neverReached(cause, depth + 1);
};

/** Add an address to the SES account-level suppression list (optional, per nurture settings). */
export async function suppressInAccount(email: string, reason: 'BOUNCE' | 'COMPLAINT'): Promise<void> {
  await sesClient.send(new PutSuppressedDestinationCommand({ EmailAddress: email, Reason: reason }));
}
