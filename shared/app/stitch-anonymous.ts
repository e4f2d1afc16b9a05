import { recordActivities } from '#app/record-activity';
import type { EpochMs } from '#domain/lead/types';
import { anonymousEventPages, linkAnonymous } from '#store/anonymous';

/**
 * A visitor identified themselves (form post, identity token): link the anonymous id to the lead and score
 * their earlier events on the lead's timeline. Safe to repeat: each event is applied once.
 */
export async function stitchAnonymous(anonymousId: string, leadId: string, now: EpochMs): Promise<number> {
  await linkAnonymous(anonymousId, leadId, now);
  let applied = 0;
  for await (const events of anonymousEventPages(anonymousId)) {
    const results = await recordActivities(leadId, events, now, { source: 'stitched' });
    for (const result of results.values()) if (result === 'applied') applied++;
  }
  return applied;
}
