import { now as clock } from '#adapters/clock';
import { signingSecret } from '#adapters/secrets';
import { CAPTURE_MAIL_RETRY_MS } from '#app/capture-mail';
import { liftHeldAddress } from '#app/erased-address';
import { leadIdFromToken } from '#app/links';
import { sendArmedCaptureMail } from '#app/run-capture-mail-timer';
import { formById, settings } from '#config/settings';
import { confirmedEntry } from '#domain/capture/consent-ledger';
import { attributesAfterConfirmation } from '#domain/capture/submission';
import { crmSyncDueAt } from '#domain/deals/crm-sync';
import { consentEntryPut } from '#store/consent-ledger';
import { crmChangeUpdate } from '#store/deals';
import { mutateLead } from '#store/leads';
import { captureMailTimerPut } from '#store/timers';

export type ConfirmOutcome =
  /** The link is not ours, or expired. */
  | 'invalid_link'
  /** A valid link, but no such lead (erased) or nothing to confirm. */
  | 'not_found'
  /** A valid link only looked at (GET): nothing changes, the page asks for the click. */
  | 'ask'
  | 'confirmed'
  | 'already';

/**
 * The double opt-in link. Looking at it (`confirm: false`, mail scanners follow links) changes nothing;
 * confirming is idempotent: a second click changes nothing and shows the same page. The form's auto-reply
 * follows the first confirmation, once: armed as a `capture-mail` timer in the confirming write and sent by
 * this request, by a retry of it whose first answer was lost, or else by the sweeper. Confirming proves the
 * address: attribute changes that unverified posts proposed are applied then, the confirmation is appended
 * to the consent ledger, an erased address's suppression held by the pending lead is lifted, and a lead
 * already handed off arms its CRM sync (its record went out without the contact details), all in one write.
 */
export async function confirmConsent(token: string | undefined, confirm: boolean): Promise<ConfirmOutcome> {
  const now = clock();
  const leadId = await leadIdFromToken(token, 'confirm', now);
  if (!leadId || !token) return 'invalid_link';
  if (!confirm) return 'ask';
  const secret = await signingSecret(); // read by `leadIdFromToken` already: the cached key

  const result = await mutateLead(leadId, (lead) => {
    const consent = lead.profile.consent;
    if (!consent) return { write: null, result: 'not_found' as const };
    if (consent.confirmedAt) return { write: null, result: 'already' as const };
    // The mailbox's owner clicked: attribute changes proposed by unverified posts are theirs, apply them.
    const applied = attributesAfterConfirmation(lead, settings.scoring, now);
    const profile = applied?.profile ?? {
      ...lead.profile,
      updatedAt: now,
      version: lead.profile.version + 1,
    };
    // An erased address that came back through this double opt-in form: the person proved it, so its
    // suppression is lifted in this same write (see #app/erased-address).
    const held = liftHeldAddress(profile, secret);
    // The form's auto-reply is owed from this commit on: armed in it as a `capture-mail` timer, so a lost
    // answer cannot lose it (the sweeper sends it a minute later if no request does).
    const form = formById(consent.formId);
    const autoReply = form?.autoReplyTemplateId
      ? [
          captureMailTimerPut(
            { leadId, formId: consent.formId, pending: false, firstFailedAt: now },
            now + CAPTURE_MAIL_RETRY_MS,
          ),
        ]
      : [];
    // A lead already handed off went to the CRM without its contact details (`WITHHELD_UNTIL_CONFIRMED`):
    // the confirmation arms the CRM sync in this write, so one `Lead Updated` carries them after the interval.
    const crmSync = lead.state.handoff
      ? [crmChangeUpdate(leadId, now, crmSyncDueAt(now, settings.deals))]
      : [];
    return {
      write: {
        profile: { ...(held?.profile ?? profile), consent: { ...consent, confirmedAt: now } },
        // The new fit's stage and temperature moves are announced (a hand-off, the funnel's counts) and the
        // decay timer follows, as for any attribute change.
        ...(applied
          ? {
              state: applied.state,
              events: applied.events,
              ...(applied.decay !== undefined ? { decayTimerAt: applied.decay } : {}),
            }
          : {}),
        extra: [
          consentEntryPut(leadId, confirmedEntry(consent, now)),
          ...(held?.lift ?? []),
          ...autoReply,
          ...crmSync,
        ],
        at: now,
      },
      result: 'confirmed' as const,
    };
  });
  if (!result.found) return 'not_found';
  if (result.result !== 'not_found') {
    // Send the armed auto-reply now: after this request's commit, or, on a click that finds the address
    // confirmed, when the confirming request's answer was lost before it could (a 503 the person retried).
    // The timer's claim lets it go once; a confirmation long done finds the timer completed (one read).
    const form = formById(result.lead.profile.consent?.formId ?? '');
    if (form?.autoReplyTemplateId) await sendArmedCaptureMail(result.lead.profile.leadId, form.id, now);
  }
  return result.result;
}
