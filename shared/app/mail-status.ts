import { createHash } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { countMetric } from '#adapters/metrics';
import { suppressInAccount } from '#adapters/ses';
import { countEmail } from '#app/email-kpis';
import { entry, iso, listEnrollments } from '#app/enrollments';
import { recordActivity } from '#app/record-activity';
import { settings } from '#config/settings';
import { buildDomainEvent, type UnsubscribeMethod } from '#domain/lead/events';
import type { LeadProfile, MarketingStatus, SuppressionReason } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import { dynamodb, isConditionalCheckFailure, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';
import { backoff, getLead, type StoredTimelineEntry, type TransactItem, writeLead } from '#store/leads';

/**
 * A lead's marketing status: unsubscribe, suppression (hard bounce, complaint, too many soft bounces) and
 * deliveries, each ending the lead's sequences in the same transaction that changes the profile (and, for
 * an unsubscribe, putting `Lead Unsubscribed` in the outbox); and SES engagement (opens, clicks) scored as
 * behaviour and remembered on the enrollment for step conditions.
 */

// ------------------------------------------------------------------------------------------------------
// Unsubscribe, suppression, bounces

/** Ends a run now (exit reason given), off the due index; any sweeper's claim on it is void. */
const endEnrollmentUpdate = (
  leadId: string,
  sequenceId: string,
  reason: string,
  now: EpochMs,
): TransactItem => ({
  Update: {
    TableName: tableName,
    Key: keys.enrollment(leadId, sequenceId),
    UpdateExpression:
      'SET #status = :exited, exitReason = :reason, endedAt = :now, lastOutcome = :outcome REMOVE dueShard, dueAt, claimId, claimedAt',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':exited': 'exited',
      ':reason': reason,
      ':now': now,
      ':outcome': { kind: 'exited', at: now, reason },
    },
  },
});

const IDEMPOTENCY_RETENTION_S = 30 * 86_400;

const idempotencyPut = (scope: string, id: string, now: EpochMs): TransactItem => ({
  Put: {
    TableName: tableName,
    Item: {
      ...keys.idempotency(scope, id),
      at: now,
      expiresAt: Math.floor(now / 1000) + IDEMPOTENCY_RETENTION_S,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

const idempotencySeen = async (scope: string, id: string): Promise<boolean> => {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.idempotency(scope, id), ConsistentRead: true }),
  );
  return result.Item !== undefined;
};

interface MarketingChange {
  marketing: MarketingStatus;
  /** End every active enrollment with this exit reason. */
  endSequences?: string;
  timeline: StoredTimelineEntry[];
  unsubscribedHow?: UnsubscribeMethod;
}

/**
 * Change a lead's marketing status: the profile (version-checked), the timeline line, the end of its
 * active sequences and the `Lead Unsubscribed` event, all in one transaction, re-decided on conflict.
 * With an idempotency key, a redelivered SES event is recognised and changes nothing.
 */
const changeMarketing = async <R extends string>(
  leadId: string,
  now: EpochMs,
  decide: (profile: LeadProfile) => { change: MarketingChange | null; result: R },
  idempotency?: { scope: string; id: string },
): Promise<R | 'not_found' | 'duplicate'> => {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const lead = await getLead(leadId);
    if (!lead) return 'not_found';
    if (idempotency && (await idempotencySeen(idempotency.scope, idempotency.id))) return 'duplicate';
    const { change, result } = decide(lead.profile);
    if (!change) return result;
    const version = lead.profile.version + 1;
    const extra: TransactItem[] = [];
    if (change.endSequences) {
      const reason = change.endSequences;
      for (const enrollment of await listEnrollments(leadId)) {
        if (enrollment.status === 'active')
          extra.push(endEnrollmentUpdate(leadId, enrollment.sequenceId, reason, now));
      }
    }
    if (idempotency) extra.push(idempotencyPut(idempotency.scope, idempotency.id, now));
    const events = change.unsubscribedHow
      ? [
          buildDomainEvent('Lead Unsubscribed', {
            eventId: `${leadId}:unsubscribed:${version}`,
            version: 1,
            occurredAt: iso(now),
            leadId,
            how: change.unsubscribedHow,
          }),
        ]
      : [];
    const saved = await writeLead(
      { profile: lead.profile.version },
      {
        profile: { ...lead.profile, marketing: change.marketing, updatedAt: now, version },
        timeline: change.timeline,
        events,
        extra,
        at: now,
      },
    );
    if (saved === 'saved') return result;
    await backoff(attempt);
  }
  throw new Error(`lead ${leadId} is too busy to change its marketing status`);
};

/**
 * Opt the lead out of marketing mail, effective at once: the profile says so, every active sequence ends
 * (exit reason `unsubscribed`, off the due index) and `Lead Unsubscribed` goes to the outbox, in one
 * transaction. Idempotent: a second click changes nothing. Transactional mail is not affected.
 */
export const unsubscribeLead = async (
  leadId: string,
  how: UnsubscribeMethod,
  now: EpochMs,
): Promise<'unsubscribed' | 'already' | 'not_found'> => {
  const result = await changeMarketing(leadId, now, (profile) => {
    if (profile.marketing.unsubscribedAt !== undefined) return { change: null, result: 'already' as const };
    return {
      change: {
        marketing: { ...profile.marketing, unsubscribedAt: now, unsubscribeMethod: how },
        endSequences: 'unsubscribed',
        unsubscribedHow: how,
        timeline: [entry(`marketing:unsubscribed:${profile.version + 1}`, 'unsubscribed', now, { how })],
      },
      result: 'unsubscribed' as const,
    };
  });
  if (result === 'duplicate') return 'already';
  if (result === 'unsubscribed') {
    await countEmail('unsubscribed', now);
    countMetric('Unsubscribed', { how });
  }
  return result;
};

/**
 * Suppress the lead's address (hard bounce, complaint): no marketing mail again and every sequence ends.
 * A complaint is also an unsubscribe (`Lead Unsubscribed`, how `complaint`). `eventKey` is the SES event's
 * identity: the same event delivered twice changes nothing.
 */
export const suppressLead = async (
  leadId: string,
  reason: Extract<SuppressionReason, 'bounce' | 'complaint'>,
  eventKey: string,
  now: EpochMs,
): Promise<'suppressed' | 'already' | 'not_found' | 'duplicate'> =>
  changeMarketing(
    leadId,
    now,
    (profile) => {
      const m = profile.marketing;
      const unsubscribe = reason === 'complaint' && m.unsubscribedAt === undefined;
      if (m.suppressedAt !== undefined && !unsubscribe) return { change: null, result: 'already' as const };
      const marketing: MarketingStatus = {
        ...m,
        ...(m.suppressedAt === undefined ? { suppressedAt: now, suppressionReason: reason } : {}),
        ...(unsubscribe ? { unsubscribedAt: now, unsubscribeMethod: 'complaint' } : {}),
      };
      return {
        change: {
          marketing,
          endSequences: unsubscribe ? 'unsubscribed' : 'suppressed',
          ...(unsubscribe ? { unsubscribedHow: 'complaint' as const } : {}),
          timeline: [
            entry(`marketing:suppressed:${profile.version + 1}`, 'email_suppressed', now, { reason }),
          ],
        },
        result: 'suppressed' as const,
      };
    },
    { scope: 'ses', id: eventKey },
  );

/**
 * A soft bounce: counted on the profile; at `transientBounceLimit` in a row (no delivery between) the
 * address is suppressed and its sequences end.
 */
export const recordTransientBounce = async (
  leadId: string,
  eventKey: string,
  now: EpochMs,
): Promise<'counted' | 'suppressed' | 'already' | 'not_found' | 'duplicate'> =>
  changeMarketing(
    leadId,
    now,
    (profile) => {
      const m = profile.marketing;
      if (m.suppressedAt !== undefined) return { change: null, result: 'already' as const };
      const count = (m.transientBounces ?? 0) + 1;
      const limit = settings.nurtureSettings.transientBounceLimit;
      if (count < limit) {
        return {
          change: {
            marketing: { ...m, transientBounces: count },
            timeline: [
              entry(`marketing:soft-bounce:${profile.version + 1}`, 'email_soft_bounce', now, {
                count,
                limit,
              }),
            ],
          },
          result: 'counted' as const,
        };
      }
      return {
        change: {
          marketing: {
            ...m,
            transientBounces: count,
            suppressedAt: now,
            suppressionReason: 'transient_bounces',
          },
          endSequences: 'suppressed',
          timeline: [
            entry(`marketing:suppressed:${profile.version + 1}`, 'email_suppressed', now, {
              reason: 'transient_bounces',
              count,
            }),
          ],
        },
        result: 'suppressed' as const,
      };
    },
    { scope: 'ses', id: eventKey },
  );

/** A delivery ends a run of soft bounces (only written when there was one). */
export const recordDelivery = async (
  leadId: string,
  now: EpochMs,
): Promise<'reset' | 'unchanged' | 'not_found'> => {
  const result = await changeMarketing(leadId, now, (profile) =>
    (profile.marketing.transientBounces ?? 0) > 0
      ? {
          change: { marketing: { ...profile.marketing, transientBounces: 0 }, timeline: [] },
          result: 'reset' as const,
        }
      : { change: null, result: 'unchanged' as const },
  );
  return result === 'duplicate' ? 'unchanged' : result;
};

// ------------------------------------------------------------------------------------------------------
// SES engagement

/** An SES engagement event as the email-events handler parsed it from EventBridge. */
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

export type EngagementResult =
  | 'applied'
  | 'duplicate'
  | 'suppressed'
  | 'counted'
  | 'ignored'
  | 'lead_not_found'
  | 'already';

/** A click's event id names its link; a long link is hashed so the timeline key stays small. */
const linkKey = (link: string): string =>
  link.length <= 200 ? link : `sha256:${createHash('sha256').update(link).digest('base64url')}`;

/**
 * One SES engagement event for one lead. Hard bounces and complaints suppress (complaint = unsubscribe
 * too), soft bounces count up to the limit, deliveries reset that count, opens and clicks are scored once
 * per message (and link) and remembered on the enrollment for `previous_not_opened/clicked` conditions.
 * A click on our own unsubscribe link is not engagement.
 */
export const handleEngagement = async (
  event: SesEngagement,
  leadId: string,
  now: EpochMs,
): Promise<EngagementResult> => {
  switch (event.kind) {
    case 'delivery': {
      const result = await recordDelivery(leadId, now);
      if (result === 'not_found') return 'lead_not_found';
      await countEmail('delivered', now, event.sequenceId);
      return 'applied';
    }
    case 'bounce': {
      const key = `${event.messageId}:bounce:${event.feedbackId ?? 'none'}`;
      if (event.bounceType === 'Permanent') {
        if (settings.nurtureSettings.suppressInSesAccountList) {
          // Before our own write: a failure here is retried by EventBridge, ours then is the duplicate guard.
          for (const recipient of event.recipients) await suppressInAccount(recipient, 'BOUNCE');
        }
        const result = await suppressLead(leadId, 'bounce', key, now);
        if (result === 'not_found') return 'lead_not_found';
        if (result !== 'duplicate') await countEmail('bounced', now, event.sequenceId);
        return result === 'suppressed' ? 'suppressed' : result;
      }
      const result = await recordTransientBounce(leadId, key, now);
      if (result === 'not_found') return 'lead_not_found';
      if (result !== 'duplicate') await countEmail('bounced', now, event.sequenceId);
      return result;
    }
    case 'complaint': {
      if (settings.nurtureSettings.suppressInSesAccountList) {
        for (const recipient of event.recipients) await suppressInAccount(recipient, 'COMPLAINT');
      }
      const result = await suppressLead(leadId, 'complaint', `${event.messageId}:complaint`, now);
      if (result === 'not_found') return 'lead_not_found';
      if (result !== 'duplicate') await countEmail('complained', now, event.sequenceId);
      return result === 'suppressed' ? 'suppressed' : result;
    }
    case 'open':
    case 'click': {
      if (event.kind === 'click' && event.link && isUnsubscribeLink(event.link)) return 'ignored';
      const type = event.kind === 'open' ? 'email_open' : 'email_click';
      const eventId =
        event.kind === 'open'
          ? `ses:${event.messageId}:open`
          : `ses:${event.messageId}:click:${linkKey(event.link ?? '')}`;
      const properties: Record<string, string> = { messageId: event.messageId };
      if (event.sequenceId) properties.sequenceId = event.sequenceId;
      if (event.stepId) properties.stepId = event.stepId;
      const result = await recordActivity(
        leadId,
        {
          eventId,
          type,
          occurredAt: Math.min(event.occurredAt, now),
          ...(event.link ? { url: event.link.slice(0, 2000) } : {}),
          properties,
        },
        now,
      );
      if (result === 'not_found') return 'lead_not_found';
      if (event.sequenceId) {
        await rememberEngagement(
          leadId,
          event.sequenceId,
          event.kind === 'open' ? 'opened' : 'clicked',
          event.messageId,
        );
      }
      if (result === 'applied')
        await countEmail(event.kind === 'open' ? 'opened' : 'clicked', now, event.sequenceId);
      return result === 'applied' ? 'applied' : 'duplicate';
    }
  }
};

const isUnsubscribeLink = (link: string): boolean => {
  try {
    return new URL(link).pathname === '/v1/unsubscribe';
  } catch {
    return false;
  }
};

/** Add the message id to the enrollment's opened/clicked set (a set: a replay adds nothing). */
const rememberEngagement = async (
  leadId: string,
  sequenceId: string,
  kind: 'opened' | 'clicked',
  messageId: string,
): Promise<void> => {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.enrollment(leadId, sequenceId),
        UpdateExpression: 'ADD #kind :ids',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#kind': kind },
        ExpressionAttributeValues: { ':ids': new Set([messageId]) },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
  }
};
