import { now } from '#adapters/clock';
import { unsubscribeLead } from '#app/unsubscribe-lead';
import type { OptOutTaken } from '#domain/capture/consent-ledger';

export { optOutGate } from '#domain/privacy/opt-out-gate';

/**
 * An opt-out the person asked for outside the mail's link (a call, a reply to a mail, a word at a booth),
 * recorded by sales or marketing (`POST /v1/ops/leads/{leadId}/unsubscribe`). Japan's anti-spam act (特定電子メ
 * ール法) makes a sender honour an opt-out however it is asked for, not only through the link. The same
 * change as the link's (`unsubscribeLead`, method `ops`): marketing mail stops at once, every sequence ends,
 * `Lead Unsubscribed` goes out; the withdrawal's ledger entry and timeline line keep who recorded it and how
 * the person asked. Idempotent: a lead already out changes nothing (`already`).
 */
export function recordOptOut(
  leadId: string,
  taken: OptOutTaken,
): Promise<'unsubscribed' | 'already' | 'not_found'> {
  return unsubscribeLead(leadId, 'ops', now(), { taken });
}
