/**
 * Sales correcting a lead's details (`POST /v1/ops/leads/{leadId}/attributes`): a title heard on the phone, a
 * direct line, a company renamed, a department moved to. A form post can only fill empty attributes and
 * PROPOSE the rest (anyone can type anyone's address, see `reconcileAttributes`); a signed-in person who
 * talked to the lead is trusted, so an edit SETS values, clears them (`""`), and decides the open proposals
 * (apply or dismiss each). Pure: the use case (`#app/edit-lead`) reads the lead, decides here and writes.
 *
 * The fit is recomputed from the new attributes (it may go down: a person checked them), so the score,
 * temperature and stage follow as they do for any attribute change, with the same announcements
 * (`stateChangeEvents`: a lead whose new title makes it hot is handed off like any other) and the decay timer.
 * The address may be corrected too (a card read wrong, a typo taken on the phone): the lead keeps its id, its
 * claim moves to the new address (`emailChange`: the use case writes the claim's move with the edit), a
 * suppression for the old address's bounces is lifted (the new one never bounced), and an erased-address hold
 * of the old address is dropped (it stays suppressed).
 */
import { normalizeEmail } from '#domain/capture/email-address';
import type { AnyDomainEvent } from '#domain/lead/events';
import {
  decayTimerChange,
  type Lead,
  type LeadProfile,
  type LeadState,
  leadScoringOf,
  stateChangeEvents,
  withStageTransitions,
} from '#domain/lead/lead';
import {
  type EpochMs,
  type Grade,
  LEAD_ATTRIBUTES,
  type LeadAttribute,
  type LeadAttributes,
  type ScoreSummary,
  type Stage,
  type Temperature,
  type TimelineEntry,
} from '#domain/lead/types';
import { applyAttributes } from '#domain/scoring/scoring';

type ScoringConfig = Parameters<typeof applyAttributes>[2];

/** Every attribute but the address: what a post may propose and an edit may set. */
export const EDITABLE_ATTRIBUTES = LEAD_ATTRIBUTES.filter(
  (a): a is Exclude<LeadAttribute, 'email'> => a !== 'email',
);
export type EditableAttribute = (typeof EDITABLE_ATTRIBUTES)[number];
/** An edit may also correct the address and set the lead's time zone (its send windows, the console's times). */
export const EDIT_FIELDS = ['email', ...EDITABLE_ATTRIBUTES, 'timeZone'] as const;
export type EditField = (typeof EDIT_FIELDS)[number];

export const PROPOSAL_DECISIONS = ['apply', 'dismiss'] as const;
export type ProposalDecision = (typeof PROPOSAL_DECISIONS)[number];

/** The action name the edit's idempotency record carries (`#store/idempotency`). */
export const EDIT_ACTION = 'edit';
/** The timeline entry of an edit. */
export const EDIT_ENTRY_TYPE = 'attributes_edited';

/** The body of `POST /v1/ops/leads/{leadId}/attributes`, as checked (`leadEditSchema`'s output). */
export interface LeadEditRequest {
  /** Client-chosen idempotency key: a retried edit answers its first result and changes nothing. */
  actionId: string;
  /** New values, trimmed; `""` clears the attribute (not the address, which every lead has). */
  attributes: { [K in EditField]?: string | undefined };
  /** What to do with each open proposal named. */
  proposals: { [K in EditableAttribute]?: ProposalDecision | undefined };
  note?: string | undefined;
  by?: string | undefined;
}

/** What became of an open proposal: applied, dismissed, or replaced by a value the edit set. */
export type ProposalOutcome = 'applied' | 'dismissed' | 'superseded';

/** The answer of an edit (also stored as its idempotency record's result). */
export interface LeadEditView {
  leadId: string;
  email: string;
  /** The fields whose value changed, in `EDIT_FIELDS` order; empty when the edit changed nothing. */
  changed: EditField[];
  proposals: Partial<Record<EditableAttribute, ProposalOutcome>>;
  /** Proposals the request named that were not open (decided already, or never made): nothing done. */
  notProposed: EditableAttribute[];
  attributes: LeadAttributes;
  timeZone: string | null;
  /** The proposals still open after the edit. */
  proposedAttributes: LeadAttributes | null;
  score: ScoreSummary;
  grade: Grade;
  temperature: Temperature;
  stage: Stage;
}

export type EditDecision =
  | { ok: false; field: string; message: string }
  | { ok: true; kind: 'unchanged'; view: LeadEditView }
  | {
      ok: true;
      kind: 'changed';
      view: LeadEditView;
      profile: LeadProfile;
      /** Present when the fit moved (a new score, maybe a new temperature or stage). */
      state?: LeadState;
      entry: TimelineEntry;
      events: AnyDomainEvent[];
      /** Arm (or clear) the decay timer; undefined leaves it. */
      decay: EpochMs | null | undefined;
      /** The address changed to another one (not only its letter case): the claim moves. */
      emailChange?: { fromKey: string; toKey: string };
    };

const attributeValue = (attributes: LeadAttributes, field: EditableAttribute): string =>
  attributes[field] ?? '';

/**
 * Decide an edit of `lead` by `by` at `now`. A field both set and named in `proposals` is refused (which of
 * the two did the person mean?). A proposal named but not open is reported (`notProposed`), not refused: a
 * retried edit, or a colleague's decision first, must not fail. An edit that changes nothing writes nothing.
 */
export function decideEdit(
  lead: Lead,
  request: LeadEditRequest,
  by: string,
  config: ScoringConfig,
  now: EpochMs,
): EditDecision {
  for (const field of EDITABLE_ATTRIBUTES) {
    if (request.attributes[field] !== undefined && request.proposals[field] !== undefined) {
      return {
        ok: false,
        field: `proposals.${field}`,
        message: `${field} is both set and named in proposals: send one of the two`,
      };
    }
  }
  const before = lead.profile.attributes;
  const next: LeadAttributes = { ...before };
  const open: LeadAttributes = { ...lead.profile.proposedAttributes?.values };
  const proposals: LeadEditView['proposals'] = {};
  const notProposed: EditableAttribute[] = [];
  for (const field of EDITABLE_ATTRIBUTES) {
    const value = request.attributes[field];
    const decision = request.proposals[field];
    if (value !== undefined) {
      if (value === '') delete next[field];
      else next[field] = value;
      if (open[field] !== undefined) {
        delete open[field];
        proposals[field] = 'superseded';
      }
    } else if (decision !== undefined) {
      const proposed = open[field];
      if (proposed === undefined) {
        notProposed.push(field);
        continue;
      }
      if (decision === 'apply') next[field] = proposed;
      delete open[field];
      proposals[field] = decision === 'apply' ? 'applied' : 'dismissed';
    }
  }
  const zone = request.attributes.timeZone;
  const timeZone = zone === undefined ? lead.profile.timeZone : zone === '' ? undefined : zone;
  const address = addressOf(lead, request.attributes.email);
  if (!address.ok) return { ok: false, field: 'attributes.email', message: address.message };
  const changed: EditField[] = [
    ...(address.email !== lead.profile.email ? (['email'] as const) : []),
    ...EDITABLE_ATTRIBUTES.filter((f) => attributeValue(before, f) !== attributeValue(next, f)),
    ...((lead.profile.timeZone ?? '') !== (timeZone ?? '') ? (['timeZone'] as const) : []),
  ];
  const decided = Object.keys(proposals).length > 0;
  if (changed.length === 0 && !decided) {
    return { ok: true, kind: 'unchanged', view: viewOf(lead, [], {}, notProposed) };
  }

  const moves = address.key !== lead.profile.emailKey;
  const refit = applyAttributes(leadScoringOf(lead), { ...next, email: address.email }, config, now);
  const { proposedAttributes: _open, timeZone: _zone, erasedAddressHeld, ...rest } = lead.profile;
  const profile: LeadProfile = {
    ...rest,
    // A hold of the old address (erased, back through a double opt-in form) is not the new one's.
    ...(erasedAddressHeld && !moves ? { erasedAddressHeld } : {}),
    ...(timeZone ? { timeZone } : {}),
    email: address.email,
    emailKey: address.key,
    marketing: moves ? withoutBounces(lead.profile.marketing) : lead.profile.marketing,
    attributes: { ...next, email: address.email },
    fitBreakdown: refit.scoring.fitBreakdown,
    ...(Object.keys(open).length > 0 && lead.profile.proposedAttributes
      ? { proposedAttributes: { ...lead.profile.proposedAttributes, values: open } }
      : {}),
    updatedAt: now,
    version: lead.profile.version + 1,
  };
  const s = lead.state;
  const moved =
    address.email !== s.email ||
    refit.scoring.fit !== s.fit ||
    refit.scoring.grade !== s.grade ||
    refit.temperature !== s.temperature ||
    refit.stage !== s.stage;
  let state: LeadState | undefined;
  let decay: EpochMs | null | undefined;
  if (moved) {
    state = {
      ...s,
      email: address.email,
      fit: refit.scoring.fit,
      grade: refit.scoring.grade,
      score: refit.score,
      temperature: refit.temperature,
      stage: refit.stage,
      ...withStageTransitions(s, refit.stageChange ? [refit.stageChange] : []),
      version: s.version + 1,
    };
    decay = decayTimerChange(s, refit.nextTemperatureDropAt, now);
    if (decay !== undefined) state.decayCheckAt = decay ?? undefined;
  }
  const after: Lead = { profile, state: state ?? s };
  return {
    ok: true,
    kind: 'changed',
    view: viewOf(after, changed, proposals, notProposed),
    profile,
    ...(state ? { state } : {}),
    entry: editEntry(
      request,
      by,
      changed,
      proposals,
      { before, next, lead, timeZone, email: address.email },
      now,
    ),
    events: state ? stateChangeEvents(s, state, now) : [],
    decay,
    ...(moves ? { emailChange: { fromKey: lead.profile.emailKey, toKey: address.key } } : {}),
  };
}

/** The lead's address after the edit: the one asked for, normalized, else the current one. */
function addressOf(
  lead: Lead,
  asked: string | undefined,
): { ok: true; email: string; key: string } | { ok: false; message: string } {
  if (asked === undefined) return { ok: true, email: lead.profile.email, key: lead.profile.emailKey };
  const normalized = normalizeEmail(asked);
  if (!normalized.ok) return { ok: false, message: `not a valid e-mail address (${normalized.error})` };
  return { ok: true, email: normalized.email, key: normalized.key };
}

/**
 * The marketing status for a new address: a suppression the old address's bounces caused is lifted (the new
 * one has not bounced); one for a complaint or by hand is about the person and stays, as does an opt-out.
 */
function withoutBounces(marketing: LeadProfile['marketing']): LeadProfile['marketing'] {
  const { suppressedAt, suppressionReason, ...rest } = marketing;
  const bounced = suppressionReason === 'bounce' || suppressionReason === 'transient_bounces';
  return bounced || suppressedAt === undefined
    ? { ...rest, transientBounces: 0 }
    : { ...rest, suppressedAt, ...(suppressionReason ? { suppressionReason } : {}), transientBounces: 0 };
}

/**
 * The edit's timeline line: who, the note, and per field its old and new value (`from.title`, `to.title`;
 * `""` for none) and what became of its proposal (`proposal.title`). The lead's own activity it is not: the
 * last-activity time stays.
 */
function editEntry(
  request: LeadEditRequest,
  by: string,
  changed: readonly EditField[],
  proposals: LeadEditView['proposals'],
  values: {
    before: LeadAttributes;
    next: LeadAttributes;
    lead: Lead;
    timeZone: string | undefined;
    email: string;
  },
  now: EpochMs,
): TimelineEntry {
  const properties: Record<string, string> = { by, fields: changed.join(',') };
  if (request.note) properties.note = request.note;
  for (const field of changed) {
    const [from, to] =
      field === 'timeZone'
        ? [values.lead.profile.timeZone ?? '', values.timeZone ?? '']
        : field === 'email'
          ? [values.lead.profile.email, values.email]
          : [attributeValue(values.before, field), attributeValue(values.next, field)];
    properties[`from.${field}`] = from;
    properties[`to.${field}`] = to;
  }
  for (const [field, outcome] of Object.entries(proposals)) properties[`proposal.${field}`] = outcome;
  return {
    eventId: `edit:${request.actionId}`,
    type: EDIT_ENTRY_TYPE,
    occurredAt: now,
    points: 0,
    rule: null,
    title: changed.length > 0 ? `edited: ${changed.join(', ')}` : 'proposals decided',
    properties,
  };
}

function viewOf(
  lead: Lead,
  changed: EditField[],
  proposals: LeadEditView['proposals'],
  notProposed: EditableAttribute[],
): LeadEditView {
  const { email: _email, ...attributes } = lead.profile.attributes;
  const open = lead.profile.proposedAttributes?.values;
  return {
    leadId: lead.profile.leadId,
    email: lead.profile.email,
    changed,
    proposals,
    notProposed,
    attributes,
    timeZone: lead.profile.timeZone ?? null,
    proposedAttributes: open && Object.keys(open).length > 0 ? open : null,
    score: lead.state.score,
    grade: lead.state.grade,
    temperature: lead.state.temperature,
    stage: lead.state.stage,
  };
}
