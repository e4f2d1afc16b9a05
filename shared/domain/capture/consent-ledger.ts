/**
 * The consent ledger: an append-only history of what a lead agreed to and withdrew, one entry per fact
 * (never overwritten), so "what did this person agree to, when, where, on which text" can be answered for
 * any day in the past. The profile's `consent` is the current grant and the ledger's head: a grant is first
 * written there only (in the lead's transaction, which holds it anyway), and the write whose grant replaces
 * it puts it in the ledger as its own entry, in the same transaction (`supersededGrant`). Most leads agree
 * once, so their evidence is one item, not two; the history is the ledger's entries and the head
 * (`consentHistory`). Confirmations and withdrawals are entries of their own, written when they happen.
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

/**
 * A consent given on a form post, as its ledger entry: its id names the form, which with the time (the entry's
 * key) is the fact. Entries written with their post before heads existed name the submission instead.
 */
function grantedEntry(consent: Consent): ConsentLedgerEntry {
  return {
    entryId: `granted:${consent.formId}`,
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

/** A grant given on a form post, to be kept on the profile as the ledger's head. */
export const ledgerHead = (consent: Consent): Consent => ({ ...consent, ledgerHead: true });

/**
 * The entry of a grant that is the ledger's head (none for an older grant, whose entry was written with it):
 * keyed by its time and form, which a head carries, so whichever write moves it into the ledger writes the
 * same entry.
 */
export function headEntry(consent: Consent | undefined): ConsentLedgerEntry | undefined {
  return consent?.ledgerHead ? grantedEntry(consent) : undefined;
}

/**
 * The entry to put when a write replaces the profile's consent `before` by `after`: the old head, unless it
 * stays (a confirmation keeps the grant) or the new grant is the same fact (the same form at the same time).
 */
export function supersededGrant(
  before: Consent | undefined,
  after: Consent | undefined,
): ConsentLedgerEntry | undefined {
  const entry = headEntry(before);
  if (!entry) return undefined;
  const next = headEntry(after);
  return next && next.at === entry.at && next.entryId === entry.entryId ? undefined : entry;
}

/** A lead's consent history, oldest first: the ledger's entries and its head (the profile's grant). */
export function consentHistory(
  entries: readonly ConsentLedgerEntry[],
  consent: Consent | undefined,
): ConsentLedgerEntry[] {
  const head = headEntry(consent);
  if (!head || entries.some((e) => e.entryId === head.entryId && e.at === head.at)) return [...entries];
  return [...entries, head].sort((a, b) => a.at - b.at);
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
