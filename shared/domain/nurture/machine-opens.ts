/**
 * Opens and clicks no person made (below: clicks).
 *
 * Opens no person made. Apple Mail Privacy Protection (on by default for most Apple Mail users since iOS 15)
 * fetches every mail's images through Apple's proxy as soon as the mail arrives, whether or not anybody
 * reads it; SES then reports an `Email Opened` whose user agent is the bare `Mozilla/5.0` (a person's mail
 * client names its platform: `Mozilla/5.0 (iPhone; …)`, `Mozilla/5.0 (Windows NT 10.0; …)`). Scoring such an
 * open, counting it in the `opened` KPI or letting it satisfy `previous_not_opened` would treat a prefetch
 * as a read. Pure.
 */

/** The user agent Apple's Mail Privacy Protection proxy fetches with. */
const APPLE_MPP_USER_AGENT = 'Mozilla/5.0';

/** True when an SES open was made by a machine (Apple Mail Privacy Protection's prefetch), not a reader. */
export function isMachineOpen(open: { userAgent?: string | undefined }): boolean {
  return open.userAgent?.trim() === APPLE_MPP_USER_AGENT;
}

/**
 * Clicks no person made. Security gateways (Microsoft Defender Safe Links, Proofpoint, Mimecast, Barracuda, …,
 * common in Japanese enterprises) follow every link of an incoming mail to inspect the page, seconds after
 * it was sent and before anybody could have read it; no user agent or IP tells them apart reliably, but the
 * timing does: a person needs the mail delivered, noticed, opened and read. A click within `withinMs` of the
 * send (SES's `mail.timestamp`) is taken as the scanner's. A click dated before the send (clock skew) is
 * not judged. `withinMs` 0 turns the rule off. Pure.
 */
export function isMachineClick(
  click: { occurredAt: number; sentAt?: number | undefined },
  withinMs: number,
): boolean {
  if (withinMs <= 0 || click.sentAt === undefined) return false;
  const after = click.occurredAt - click.sentAt;
  return after >= 0 && after < withinMs;
}
