/**
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
