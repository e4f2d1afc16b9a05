/**
 * The consent ledger: an append-only history of what a lead agreed to and withdrew, one entry per fact
 * (never overwritten), so "what did this person agree to, when, where, on which text" can be answered for
 * any day in the past. The profile's `consent` stays the current summary; the ledger is the evidence.
 */
import type { Consent, EpochMs } from '#domain/lead/types';

export type ConsentEntryKind = 'granted' | 'confirmed' | 'withdrawn';

export interface ConsentLedgerEntry {
  /** Unique within the lead: the submission id, or the kind and time for confirmations and withdrawals. */
  entryId: string;
  kind: ConsentEntryKind;
  /** What was agreed to (or withdrawn from), e.g. `marketing_email`. */
  purpose: string;
  /** The consent text version shown next to the checkbox (granted entries). */
  textVersion?: string;
  /** The form it was given on (granted and confirmed entries). */
  formId?: string;
  at: EpochMs;
  ip?: string;
  userAgent?: string;
  doubleOptIn?: boolean;
  /** How a withdrawal was made (`one_click`, `page`, …). */
  method?: string;
  /** A withdrawal asked for outside the link (`ops`): who recorded it, and how the person asked. */
  recordedBy?: string;
  note?: string;
}

/** An opt-out the person asked for outside the mail's link, as the one who took it recorded it. */
export interface OptOutTaken {
  by: string;
  note: string;
}

/** A consent given on a form post. */
export function grantedEntry(consent: Consent, submissionId: string): ConsentLedgerEntry {
  return {
    entryId: `granted:${submissionId}`,
    kind: 'granted',
    purpose: consent.purpose,
    textVersion: consent.textVersion,
    formId: consent.formId,
    at: consent.at,
    doubleOptIn: consent.doubleOptIn,
    ...(consent.ip ? { ip: consent.ip } : {}),
    ...(consent.userAgent ? { userAgent: consent.userAgent } : {}),
  };
}

/** The double opt-in link was clicked. */
export function confirmedEntry(consent: Consent, at: EpochMs): ConsentLedgerEntry {
  return {
    entryId: `confirmed:${at}`,
    kind: 'confirmed',
    purpose: consent.purpose,
    textVersion: consent.textVersion,
    formId: consent.formId,
    at,
  };
}

/** The lead unsubscribed: marketing consent withdrawn. */
export function withdrawnEntry(
  purpose: string,
  method: string,
  at: EpochMs,
  taken?: OptOutTaken,
): ConsentLedgerEntry {
  return {
    entryId: `withdrawn:${at}`,
    kind: 'withdrawn',
    purpose,
    method,
    at,
    ...(taken ? { recordedBy: taken.by, note: taken.note } : {}),
  };
}
