import * as z from '#domain/lead/validation';
import { OPT_OUT_NOTE_MISSING } from '#domain/privacy/opt-out-gate';

/**
 * The body of `POST /v1/ops/leads/{leadId}/unsubscribe`: an opt-out the person asked for outside the mail's
 * link (on a call, in a reply to a mail, at a booth), recorded by whoever took it. `note` says how; it is kept
 * on the withdrawal's consent-ledger entry with the person who recorded it. `by` names that person for a
 * machine client; a signed-in person is always recorded as themselves.
 */
export const optOutRequestSchema = z.withMeta(
  z.strictObject({
    note: z.withMeta(z.string().check(z.trim(), z.minLength(1, OPT_OUT_NOTE_MISSING), z.maxLength(500)), {
      description: 'How and when the person asked to stop marketing mail; kept in the consent ledger.',
    }),
    by: z.optional(
      z.withMeta(z.string().check(z.trim(), z.minLength(1), z.maxLength(128)), {
        description: 'Who took the request (machine clients; a person is recorded as themselves).',
      }),
    ),
  }),
  { example: { note: '2026-12-04 電話で本人より配信停止の依頼' } },
);
