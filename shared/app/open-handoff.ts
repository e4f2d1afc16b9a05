import { now as clockNow } from '#adapters/clock';
import { logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { slaCounterItems } from '#app/sla-counting';
import { formById, settings } from '#config/settings';
import {
  type HandoffOpening,
  handoffView,
  planHandoff,
  stateWithHandoff,
  unansweredInquiry,
} from '#domain/handoff/handoff';
import type { EpochMs } from '#domain/lead/types';
import { getLead, getTimelinePage, writeLead } from '#store/leads';
import { CONFLICT, retryOnConflict } from '#store/retry';
import { readRoundRobin, roundRobinPut } from '#store/round-robin';
import { slaTimerPut } from '#store/timers';

export type HandoffOutcome =
  | {
      status: 'handed_off';
      handoffNumber: number;
      ownerId: string;
      /** The hand-off's accept and first-contact deadlines. */
      dueAt: EpochMs;
      firstContactDueAt?: EpochMs;
    }
  | { status: 'not_triggered' | 'not_found' | 'no_owner_available'; message?: string };

/**
 * Hands a lead to sales if the trigger holds and no hand-off is open: one transaction writes the state
 * (hand-off, stage; version-checked), the round-robin item (version-checked), the SLA timer, the counter
 * and the outbox events (`Lead Stage Changed` when moved to MQL, `Lead Assigned`, `Lead Handed Off`). A
 * conflict re-reads and decides again, so concurrent hand-offs never pick from one stale round-robin
 * state. A redelivered trigger finds the open hand-off and writes nothing, or, once that hand-off is closed,
 * is spent (`isSpentTrigger`) and writes nothing either. No available owner is logged
 * and counted, not thrown: retrying would not make anyone available.
 */
export async function handOffLead(
  leadId: string,
  now: EpochMs,
  opening?: HandoffOpening,
  /** When the bus event that triggers it happened: one older than the last hand-off's close is spent. */
  triggeredAt?: EpochMs,
): Promise<HandoffOutcome> {
  const policy = settings.handoff;
  // Read once: the CRM summary's recent activity need not be re-read when a retry loses a race.
  const recent =
    policy.crm.system === 'none'
      ? []
      : (await getTimelinePage(leadId, { limit: Math.max(1, policy.crm.mapping.summary.maxActivities) }))
          .entries;
  return retryOnConflict(`hand-off of lead ${leadId}`, async () => {
    const lead = await getLead(leadId);
    if (!lead) return { status: 'not_found' } as const;
    const roundRobin = await readRoundRobin();
    const plan = planHandoff(
      handoffView(lead),
      policy,
      roundRobin.state,
      recent,
      now,
      opening ?? unansweredInquiry(lead, inquiryFormOpening),
      triggeredAt,
    );
    if (!plan.ok) {
      if (plan.code === 'no_owner_available') {
        logger.warn('hand-off: no owner available', { leadId, message: plan.message });
        countMetric('HandoffNoOwner');
      }
      return { status: plan.code, message: plan.message };
    }
    const { state } = lead;
    const result = await writeLead(
      { state: state.version },
      {
        previous: lead,
        state: stateWithHandoff(state, plan),
        events: plan.events,
        extra: [
          roundRobinPut(roundRobin, plan.roundRobinState, now),
          slaTimerPut(leadId, plan.handoff.n, plan.slaCheckAt),
          ...slaCounterItems(now, ['started']),
        ],
        at: now,
      },
    );
    if (result !== 'saved') return CONFLICT;
    countMetric('LeadHandedOff', { team: plan.handoff.owner.team });
    const { n, owner, dueAt, firstContactDueAt } = plan.handoff;
    return {
      status: 'handed_off',
      handoffNumber: n,
      ownerId: owner.ownerId,
      dueAt,
      ...(firstContactDueAt === undefined ? {} : { firstContactDueAt }),
    };
  });
}

/** A hand-off trigger as it arrives on the bus (the rule matched; the detail is not trusted yet). */
export interface HandoffTriggerEvent {
  id: string;
  detailType: string;
  leadId: unknown;
  /** `Lead Captured` only: the form posted (the inquiry fast lane's rule matches forms with `handoff: 'immediate'`). */
  formId?: unknown;
  /** The event's `occurredAt` (ISO 8601): a redelivered event older than the last hand-off's close is spent. */
  occurredAt?: unknown;
}

/** A `Lead Captured` of an inquiry form (`handoff: 'immediate'`) opens a hand-off whatever the score. */
function inquiryOpening(trigger: HandoffTriggerEvent): HandoffOpening | undefined {
  if (trigger.detailType !== 'Lead Captured' || typeof trigger.formId !== 'string') return undefined;
  return inquiryFormOpening(trigger.formId);
}

function inquiryFormOpening(formId: string): HandoffOpening | undefined {
  const form = formById(formId);
  if (form?.handoff !== 'immediate') return undefined;
  return { trigger: 'inquiry', reason: `inquiry form '${form.id}' (${form.name})` };
}

/**
 * The hand-off trigger's use case: a trigger without a usable lead id is logged and counted, never retried;
 * otherwise the lead is handed off now. Infrastructure errors are thrown so EventBridge retries.
 */
export async function openHandoff(trigger: HandoffTriggerEvent): Promise<HandoffOutcome | undefined> {
  const { leadId } = trigger;
  if (typeof leadId !== 'string' || leadId === '' || leadId.length > 128) {
    logger.warn('hand-off trigger without a lead id', { id: trigger.id, detailType: trigger.detailType });
    countMetric('HandoffRejected', { reason: 'no_lead_id' });
    return undefined;
  }
  const opening = inquiryOpening(trigger);
  if (trigger.detailType === 'Lead Captured' && opening === undefined) {
    // Only inquiry forms' captures are routed here; any other capture (config changed since) opens nothing.
    return { status: 'not_triggered', message: 'not an inquiry form' };
  }
  const occurredAt = typeof trigger.occurredAt === 'string' ? Date.parse(trigger.occurredAt) : Number.NaN;
  const outcome = await handOffLead(
    leadId,
    clockNow(),
    opening,
    Number.isFinite(occurredAt) ? occurredAt : undefined,
  );
  logger.info('hand-off', { leadId, trigger: trigger.detailType, ...outcome });
  return outcome;
}
