/**
 * Deals: the opportunity (商談) a qualified lead converts into, its phases up to won (受注) or lost (失注),
 * and the BANTCH that sales keeps on the lead. Pure: (deal record, input, config, now) → new record, new
 * stage and the events to announce. At most one opportunity is open at a time; closed ones stay in the
 * history (bounded) so a recycled lead that comes back keeps its past deals.
 */
import { amountIssue, fitsCurrency } from '#domain/deals/money';
import type { Bantch, OpportunityRef } from '#domain/lead/events';
import type { EpochMs, Stage } from '#domain/lead/types';

export const BANTCH_FIELDS = [
  'budget',
  'authority',
  'needs',
  'timing',
  'competitor',
  'humanResources',
] as const;
export type BantchField = (typeof BANTCH_FIELDS)[number];

/** The fixed terminal phases; the open phases before them come from configuration. */
export const TERMINAL_PHASES = { won: '受注', lost: '失注' } as const;
export type TerminalPhase = keyof typeof TERMINAL_PHASES;

export interface DealPhase {
  /** e.g. `first_meeting`; `won` and `lost` are reserved. */
  id: string;
  /** Japanese label shown to sales and sent to the CRM (e.g. 初回商談). */
  label: string;
  /** Default win probability in percent, used when a move does not give one. */
  probability: number;
}

/** What the deals rules need from configuration (`config/deals.ts`, validated by shared/config/deals.ts). */
export interface DealsConfig {
  /** Open phases in order; a new opportunity starts in the first unless the convert names another. */
  phases: readonly DealPhase[];
  /** BANTCH items that must be known before a lead becomes SQL (qualify answers 422 naming the missing). */
  requiredForSql: readonly BantchField[];
  /** A lost opportunity's lead is recycled and re-enters nurture after this many days. */
  lostNurtureAfterDays: number;
  /** `Lead Updated` to the CRM: at most one per lead per this many minutes after a change. */
  crmSyncIntervalMinutes: number;
}

export interface OpportunityAccount {
  name: string;
  domain?: string | undefined;
}
export interface OpportunityContact {
  lastName?: string | undefined;
  firstName?: string | undefined;
  email?: string | undefined;
  title?: string | undefined;
  phone?: string | undefined;
}

export interface PhaseChange {
  from: string | null;
  to: string;
  at: EpochMs;
  actionId: string;
}

export interface Opportunity {
  /** `<leadId>:<n>`: the n-th opportunity of the lead. */
  opportunityId: string;
  n: number;
  status: 'open' | 'won' | 'lost';
  phase: string;
  amount: number;
  currency: string;
  expectedCloseDate: string;
  probability: number;
  account?: OpportunityAccount;
  contact?: OpportunityContact;
  createdAt: EpochMs;
  closedAt?: EpochMs;
  lostReason?: string;
  competitor?: string;
  phaseHistory: PhaseChange[];
}

/** The deal item of a lead: BANTCH as sales last qualified it and the opportunities, newest last. */
export interface DealRecord {
  leadId: string;
  bantch?: Bantch;
  opportunities: Opportunity[];
  updatedAt: EpochMs;
  /** Optimistic concurrency, like the lead's items; 0 = never written. */
  version: number;
}

export const MAX_OPPORTUNITIES = 10;
const MAX_PHASE_HISTORY = 20;
const DAY_MS = 86_400_000;

export function emptyDeal(leadId: string): DealRecord {
  return { leadId, opportunities: [], updatedAt: 0, version: 0 };
}

export function openOpportunity(deal: DealRecord): Opportunity | undefined {
  const last = deal.opportunities.at(-1);
  return last?.status === 'open' ? last : undefined;
}

/** The label of a phase id (configured or terminal), or the id itself when unknown. */
export function phaseLabel(phase: string, config: Pick<DealsConfig, 'phases'>): string {
  if (phase === 'won' || phase === 'lost') return TERMINAL_PHASES[phase];
  return config.phases.find((p) => p.id === phase)?.label ?? phase;
}

/** BANTCH items required for SQL that `bantch` leaves empty, in configured order. */
export function missingBantch(bantch: Bantch | undefined, required: readonly BantchField[]): BantchField[] {
  return required.filter((field) => {
    const value = bantch?.[field];
    return value === undefined || value.trim() === '';
  });
}

/** Merges a qualify's BANTCH over what is kept: a field not given keeps its earlier value. */
export function mergeBantch(kept: Bantch | undefined, given: Bantch): Bantch {
  const out: Bantch = { ...(kept ?? {}) };
  for (const field of BANTCH_FIELDS) {
    const value = given[field];
    if (value !== undefined) out[field] = value;
  }
  return out;
}

export type DealDecision<T> =
  | { ok: true; value: T }
  | { ok: false; code: 'conflict' | 'invalid'; message: string; field?: string };

const conflict = (message: string): { ok: false; code: 'conflict'; message: string } => ({
  ok: false,
  code: 'conflict',
  message,
});
const invalid = (
  field: string,
  message: string,
): { ok: false; code: 'invalid'; message: string; field: string } => ({
  ok: false,
  code: 'invalid',
  message,
  field,
});

export interface CreateOpportunityInput {
  actionId: string;
  amount: number;
  currency: string;
  expectedCloseDate: string;
  phase?: string | undefined;
  probability?: number | undefined;
  account?: OpportunityAccount | undefined;
  contact?: OpportunityContact | undefined;
}

/** Opens the lead's next opportunity (convert). Refused while one is open or for an unknown phase. */
export function createOpportunity(
  deal: DealRecord,
  input: CreateOpportunityInput,
  config: Pick<DealsConfig, 'phases'>,
  now: EpochMs,
): DealDecision<{ deal: DealRecord; opportunity: Opportunity }> {
  const open = openOpportunity(deal);
  if (open) return conflict(`opportunity ${open.opportunityId} is still open (phase '${open.phase}')`);
  const phase =
    input.phase === undefined ? config.phases[0] : config.phases.find((p) => p.id === input.phase);
  if (!phase)
    return invalid(
      'phase',
      `unknown phase '${input.phase}' (expected one of ${config.phases.map((p) => p.id).join(', ')})`,
    );
  const n = (deal.opportunities.at(-1)?.n ?? 0) + 1;
  const opportunity: Opportunity = {
    opportunityId: `${deal.leadId}:${n}`,
    n,
    status: 'open',
    phase: phase.id,
    amount: input.amount,
    currency: input.currency,
    expectedCloseDate: input.expectedCloseDate,
    probability: input.probability ?? phase.probability,
    ...(input.account ? { account: input.account } : {}),
    ...(input.contact ? { contact: input.contact } : {}),
    createdAt: now,
    phaseHistory: [{ from: null, to: phase.id, at: now, actionId: input.actionId }],
  };
  return {
    ok: true,
    value: {
      deal: {
        ...deal,
        opportunities: [...deal.opportunities, opportunity].slice(-MAX_OPPORTUNITIES),
        updatedAt: now,
        version: deal.version + 1,
      },
      opportunity,
    },
  };
}

export interface MovePhaseInput {
  actionId: string;
  phase: string;
  amount?: number | undefined;
  expectedCloseDate?: string | undefined;
  probability?: number | undefined;
  reason?: string | undefined;
  competitor?: string | undefined;
}

export interface PhaseMove {
  deal: DealRecord;
  before: Opportunity;
  opportunity: Opportunity;
  /** The lead's stage after the move: customer (won), recycled (lost), unchanged otherwise. */
  stage: Stage;
  /** Lost: when the lead re-enters nurture. */
  nurtureAt?: EpochMs;
}

/**
 * Moves the open opportunity to `phase`: any configured open phase (forward or back), or `won` / `lost`.
 * `lost` needs a reason. No open opportunity (none yet, or already won or lost) → conflict.
 */
export function moveOpportunityPhase(
  deal: DealRecord,
  stage: Stage,
  input: MovePhaseInput,
  config: DealsConfig,
  now: EpochMs,
): DealDecision<PhaseMove> {
  const open = openOpportunity(deal);
  if (!open) {
    const last = deal.opportunities.at(-1);
    return conflict(
      last
        ? `opportunity ${last.opportunityId} is already ${last.status}`
        : 'the lead has no open opportunity',
    );
  }
  const terminal = input.phase === 'won' || input.phase === 'lost';
  const configured = config.phases.find((p) => p.id === input.phase);
  if (!terminal && !configured) {
    return invalid(
      'phase',
      `unknown phase '${input.phase}' (expected one of ${[...config.phases.map((p) => p.id), 'won', 'lost'].join(', ')})`,
    );
  }
  if (input.amount !== undefined && !fitsCurrency(input.amount, open.currency)) {
    return invalid('amount', amountIssue(open.currency));
  }
  if (input.phase === 'lost' && (input.reason === undefined || input.reason.trim() === '')) {
    return invalid('reason', 'a lost opportunity needs a reason');
  }
  if (input.phase === open.phase && !terminal) {
    return conflict(`opportunity ${open.opportunityId} is already in phase '${open.phase}'`);
  }
  const status = input.phase === 'won' ? 'won' : input.phase === 'lost' ? 'lost' : 'open';
  const probability =
    input.probability ??
    (status === 'won' ? 100 : status === 'lost' ? 0 : (configured?.probability ?? open.probability));
  const moved: Opportunity = {
    ...open,
    status,
    phase: input.phase,
    amount: input.amount ?? open.amount,
    expectedCloseDate: input.expectedCloseDate ?? open.expectedCloseDate,
    probability,
    ...(status === 'open' ? {} : { closedAt: now }),
    ...(status === 'lost' ? { lostReason: input.reason?.trim() } : {}),
    ...(status === 'lost' && input.competitor ? { competitor: input.competitor } : {}),
    phaseHistory: [
      ...open.phaseHistory,
      { from: open.phase, to: input.phase, at: now, actionId: input.actionId },
    ].slice(-MAX_PHASE_HISTORY),
  };
  return {
    ok: true,
    value: {
      deal: {
        ...deal,
        opportunities: [...deal.opportunities.slice(0, -1), moved],
        updatedAt: now,
        version: deal.version + 1,
      },
      before: open,
      opportunity: moved,
      stage: status === 'won' ? 'customer' : status === 'lost' ? 'recycled' : stage,
      ...(status === 'lost' ? { nurtureAt: now + config.lostNurtureAfterDays * DAY_MS } : {}),
    },
  };
}

/** The opportunity as events and the CRM carry it. */
export function opportunityRef(o: Opportunity, config: Pick<DealsConfig, 'phases'>): OpportunityRef {
  return {
    opportunityId: o.opportunityId,
    phase: o.phase,
    phaseLabel: phaseLabel(o.phase, config),
    amount: o.amount,
    currency: o.currency,
    expectedCloseDate: o.expectedCloseDate,
    probability: o.probability,
  };
}
