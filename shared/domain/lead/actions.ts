/**
 * Sales actions: the bodies of the ops API's action routes and the inbound `CRM Sales Action` events share
 * these schemas, so both paths run the same validation before the same domain code. Kept apart from the
 * event catalogue (events.ts) so that the many modules that only name events do not bundle a validator.
 * zod/mini (`#domain/lead/validation`): the action routes' and the CRM events' cold path. Every schema is a
 * getter (`lazySchema`), built on first use: a bundle that only names actions (the manual lead entry opens an
 * accept) builds none, the action route builds the one action a request names.
 */
import { amountIssue, fitsCurrency, isCurrencyCode } from '#domain/deals/money';
import { CONVERSION_TARGETS, CRM_EVENT_SOURCE, CRM_SALES_ACTION_DETAIL_TYPE } from '#domain/lead/events';
import * as z from '#domain/lead/validation';
import { lazySchema } from '#domain/lead/validation';

const isCalendarDate = (s: string): boolean => {
  const [y, m, d] = s.split('-').map(Number);
  if (y === undefined || m === undefined || d === undefined) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
};
/** The parts the actions share, built with the first action schema a bundle asks for. */
const parts = /* @__PURE__ */ lazySchema(() => {
  /** Client-chosen idempotency key: the same action retried with the same id announces the same event. */
  const actionIdSchema = z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(128),
      z.regex(/^[A-Za-z0-9._:-]+$/, 'actionId may contain letters, digits and . _ : - only'),
    );
  const actorSchema = z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200)));
  const noteSchema = z.optional(z.string().check(z.maxLength(2000)));
  const bantFieldSchema = z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(500)));
  const reasonSchema = z.string().check(z.trim(), z.minLength(1), z.maxLength(500));
  const amountSchema = z.number().check(z.minimum(0), z.maximum(1e13));
  const probabilitySchema = z.number().check(z.int(), z.minimum(0), z.maximum(100));
  const phaseSchema = z.string().check(z.trim(), z.minLength(1), z.maxLength(64));

  const calendarDateSchema = z
    .string()
    .check(
      z.regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD'),
      z.refine(isCalendarDate, 'not a calendar date'),
    );

  const bantchSchema = z.strictObject({
    budget: bantFieldSchema,
    authority: bantFieldSchema,
    needs: bantFieldSchema,
    timing: bantFieldSchema,
    competitor: bantFieldSchema,
    humanResources: bantFieldSchema,
  });

  /** A configured owner's id (config/handoff.ts → owners[].ownerId). */
  const ownerIdSchema = z
    .string()
    .check(
      z.trim(),
      z.minLength(1),
      z.maxLength(64),
      z.regex(/^[A-Za-z0-9._@-]+$/, 'ownerId may contain letters, digits and . _ @ - only'),
    );
  return {
    actionIdSchema,
    actorSchema,
    noteSchema,
    reasonSchema,
    amountSchema,
    probabilitySchema,
    phaseSchema,
    calendarDateSchema,
    bantchSchema,
    ownerIdSchema,
  };
});

/**
 * An action's body: its name, the idempotency key, its own fields, then who did it and a note, the parts every
 * action shares.
 */
const actionBody = <A extends string, F extends Record<string, z.ZodMiniType>>(action: A, fields: F) => {
  const p = parts();
  return z.strictObject({
    action: z.literal(action),
    actionId: p.actionIdSchema,
    ...fields,
    by: p.actorSchema,
    note: p.noteSchema,
  });
};

export const acceptActionSchema = /* @__PURE__ */ lazySchema(() => {
  const p = parts();
  return actionBody('accept', {
    /**
     * The owner accepting. When the lead has no open hand-off (taken from the call list, or the automatic
     * hand-off is still on its way), the accept opens one for this owner (else for the owner `by` names by
     * id or e-mail); when another owner's hand-off is open and not yet accepted, this owner takes it over.
     */
    ownerId: z.optional(p.ownerIdSchema),
  });
});
export const qualifyActionSchema = /* @__PURE__ */ lazySchema(() => {
  const p = parts();
  return actionBody('qualify', {
    bant: p.bantchSchema,
  });
});

/** At least one BANTCH item given (a `bantch` body records something). */
const namesAnItem = (bant: Record<string, string | undefined>): boolean =>
  Object.values(bant).some((value) => value !== undefined);

/**
 * `POST /v1/ops/leads/{leadId}/bantch`: the BANTCH items learned so far (each as qualify checks it, every one
 * optional, at least one given), merged into the lead's deal; the stage stays where it is.
 */
export const bantchActionSchema = /* @__PURE__ */ lazySchema(() => {
  const p = parts();
  return actionBody('bantch', {
    bant: p.bantchSchema.check(
      z.refine(namesAnItem, {
        message:
          'give at least one BANTCH item: budget, authority, needs, timing, competitor or humanResources',
        // Only a bant with no issue of its own (an unknown or blank item is named as such, not twice).
        when: (payload) => payload.issues.length === 0,
      }),
    ),
  });
});
export type BantchAction = z.output<ReturnType<typeof bantchActionSchema>>;

export const convertActionSchema = /* @__PURE__ */ lazySchema(() => {
  const p = parts();
  return actionBody('convert', {
    /** Omitted: the next step from the current stage (sql → opportunity, opportunity → customer). */
    to: z.optional(z.enum(CONVERSION_TARGETS)),
    /** In `currency`: a whole number for JPY or KRW, at most the currency's minor-unit digits otherwise. */
    amount: p.amountSchema,
    /** An ISO 4217 code the runtime knows (`Intl.supportedValuesOf('currency')`). */
    currency: z._default(
      z
        .string()
        .check(
          z.regex(/^[A-Z]{3}$/, { message: 'expected an ISO 4217 code such as JPY', abort: true }),
          z.refine(isCurrencyCode, 'not an ISO 4217 currency code (e.g. JPY, USD, EUR)'),
        ),
      'JPY',
    ),
    expectedCloseDate: p.calendarDateSchema,
    /** The opportunity's first phase (a configured phase id); default: the first configured phase. */
    phase: z.optional(p.phaseSchema),
    /** Win probability in percent; default: the phase's configured probability. */
    probability: z.optional(p.probabilitySchema),
    /** 取引先 */
    account: z.optional(
      z.strictObject({
        name: z.string().check(z.trim(), z.minLength(1), z.maxLength(255)),
        domain: z.optional(
          z
            .string()
            .check(
              z.trim(),
              z.toLowerCase(),
              z.maxLength(253),
              z.regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'expected a domain such as example.co.jp'),
            ),
        ),
      }),
    ),
    /** 取引先責任者 */
    contact: z.optional(
      z.strictObject({
        lastName: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(80))),
        firstName: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(40))),
        email: z.optional(z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.email())),
        title: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(128))),
        phone: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(40))),
      }),
    ),
  }).check(
    // Runs on a body with other issues too: only an amount valid on its own gets this one.
    z.superRefine((a, ctx) => {
      const valid = typeof a.amount === 'number' && a.amount >= 0 && typeof a.currency === 'string';
      if (valid && !fitsCurrency(a.amount, a.currency))
        ctx.addIssue({ code: 'custom', message: amountIssue(a.currency), path: ['amount'], input: a.amount });
    }),
  );
});

/** `POST /v1/ops/leads/{leadId}/opportunity`: moves the open opportunity to a phase (or won / lost). */
export const opportunityActionSchema = /* @__PURE__ */ lazySchema(() => {
  const p = parts();
  return actionBody('opportunity', {
    phase: p.phaseSchema,
    /** In the opportunity's currency (checked against it when the move is decided: moveOpportunityPhase). */
    amount: z.optional(p.amountSchema),
    expectedCloseDate: z.optional(p.calendarDateSchema),
    probability: z.optional(p.probabilitySchema),
    /** Required when `phase` is `lost` (失注理由). */
    reason: z.optional(p.reasonSchema),
    competitor: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
  }).check(
    z.refine((a) => a.phase !== 'lost' || a.reason !== undefined, {
      message: 'a lost opportunity needs a reason',
      path: ['reason'],
    }),
  );
});
export type OpportunityAction = z.output<ReturnType<typeof opportunityActionSchema>>;
export const disqualifyActionSchema = /* @__PURE__ */ lazySchema(() => {
  const p = parts();
  return actionBody('disqualify', {
    reason: p.reasonSchema,
  });
});
export const recycleActionSchema = /* @__PURE__ */ lazySchema(() => {
  const p = parts();
  return actionBody('recycle', {
    reason: p.reasonSchema,
    /** Overrides the configured delay before the lead re-enters nurture. */
    nurtureAfterDays: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(365))),
  });
});

/** Owner actions of the ops API (events.ts → OWNER_ACTIONS): the same body under two names. */
const ownerActionSchema = <A extends 'handoff' | 'reassign'>(action: A) =>
  lazySchema(() => {
    const p = parts();
    return actionBody(action, { ownerId: z.optional(p.ownerIdSchema), reason: p.reasonSchema });
  });
export const handoffActionSchema = /* @__PURE__ */ ownerActionSchema('handoff');
export const reassignActionSchema = /* @__PURE__ */ ownerActionSchema('reassign');
export type OwnerAction =
  | z.output<ReturnType<typeof handoffActionSchema>>
  | z.output<ReturnType<typeof reassignActionSchema>>;

/** Body of `POST …/actions` on the ops API (the route may also put `action` in the path and merge it). */
export const salesActionSchema = /* @__PURE__ */ lazySchema(() =>
  z.discriminatedUnion('action', [
    acceptActionSchema(),
    qualifyActionSchema(),
    convertActionSchema(),
    disqualifyActionSchema(),
    recycleActionSchema(),
  ]),
);
export type SalesAction = z.output<ReturnType<typeof salesActionSchema>>;
export type SalesActionInput = z.input<ReturnType<typeof salesActionSchema>>;

/** Every action of `POST /v1/ops/leads/{leadId}/{action}`: sales' answers, BANTCH and the owner actions. */
export const leadActionSchema = /* @__PURE__ */ lazySchema(() =>
  z.discriminatedUnion('action', [
    acceptActionSchema(),
    qualifyActionSchema(),
    convertActionSchema(),
    disqualifyActionSchema(),
    recycleActionSchema(),
    bantchActionSchema(),
    handoffActionSchema(),
    reassignActionSchema(),
  ]),
);
export type LeadAction = z.output<ReturnType<typeof leadActionSchema>>;

/**
 * The schema of one action, as the route `POST /v1/ops/leads/{leadId}/{action}` parses a body whose action the
 * path names: the same checks, issues and paths as `leadActionSchema`'s option for it, and only that option
 * is built.
 */
export const ACTION_SCHEMAS = {
  accept: acceptActionSchema,
  qualify: qualifyActionSchema,
  convert: convertActionSchema,
  disqualify: disqualifyActionSchema,
  recycle: recycleActionSchema,
  bantch: bantchActionSchema,
  handoff: handoffActionSchema,
  reassign: reassignActionSchema,
} as const satisfies Record<LeadAction['action'], () => unknown>;

/** The CRM names the lead by our id (stored on the CRM record) or, failing that, by email. */
const crmIdentity = () => ({
  leadId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  email: z.optional(z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.email())),
});
const hasIdentity = (d: { leadId?: string | undefined; email?: string | undefined }): boolean =>
  d.leadId !== undefined || d.email !== undefined;

const identityRequired = () =>
  z.refine<{ leadId?: string | undefined; email?: string | undefined }>(hasIdentity, {
    message: 'either leadId or email is required',
    path: ['leadId'],
  });

/** Each action's CRM detail: the ops API's body plus the identity (built on first use, like the actions). */
const CRM_DETAIL_SCHEMAS = {
  accept: /* @__PURE__ */ lazySchema(() => z.extend(acceptActionSchema(), crmIdentity())),
  qualify: /* @__PURE__ */ lazySchema(() => z.extend(qualifyActionSchema(), crmIdentity())),
  convert: /* @__PURE__ */ lazySchema(() => z.extend(convertActionSchema(), crmIdentity())),
  disqualify: /* @__PURE__ */ lazySchema(() => z.extend(disqualifyActionSchema(), crmIdentity())),
  recycle: /* @__PURE__ */ lazySchema(() => z.extend(recycleActionSchema(), crmIdentity())),
  // BANTCH learned in the CRM (a rep's call notes there), saved without a stage move.
  bantch: /* @__PURE__ */ lazySchema(() => z.extend(bantchActionSchema(), crmIdentity())),
  // The opportunity's phase (proposal … won/lost) moved in the CRM; keeps its own "lost needs a reason".
  opportunity: /* @__PURE__ */ lazySchema(() => z.safeExtend(opportunityActionSchema(), crmIdentity())),
};
type CrmAction = keyof typeof CRM_DETAIL_SCHEMAS;

export const crmSalesActionDetailSchema = /* @__PURE__ */ lazySchema(() =>
  z
    .discriminatedUnion('action', [
      CRM_DETAIL_SCHEMAS.accept(),
      CRM_DETAIL_SCHEMAS.qualify(),
      CRM_DETAIL_SCHEMAS.convert(),
      CRM_DETAIL_SCHEMAS.disqualify(),
      CRM_DETAIL_SCHEMAS.recycle(),
      CRM_DETAIL_SCHEMAS.bantch(),
      CRM_DETAIL_SCHEMAS.opportunity(),
    ])
    .check(identityRequired()),
);
export type CrmSalesActionDetail = z.output<ReturnType<typeof crmSalesActionDetailSchema>>;

const crmEnvelope = <D extends z.ZodMiniType>(detail: D) =>
  z.object({
    source: z.literal(CRM_EVENT_SOURCE),
    'detail-type': z.literal(CRM_SALES_ACTION_DETAIL_TYPE),
    detail,
  });

/** The EventBridge envelope of an inbound CRM action as a bus rule delivers it to a Lambda target. */
export const crmSalesActionEventSchema = /* @__PURE__ */ lazySchema(() =>
  crmEnvelope(crmSalesActionDetailSchema()),
);
export type CrmSalesActionEvent = z.output<ReturnType<typeof crmSalesActionEventSchema>>;

type WithIdentity = z.ZodMiniType<{ leadId?: string | undefined; email?: string | undefined }>;
const crmEvent = (detail: () => WithIdentity) =>
  /* @__PURE__ */ lazySchema(() => crmEnvelope(detail().check(identityRequired())));
// Each one's output is one member of the union's: the cast widens it to the event type.
const CRM_EVENT_SCHEMAS = {
  accept: /* @__PURE__ */ crmEvent(() => CRM_DETAIL_SCHEMAS.accept()),
  qualify: /* @__PURE__ */ crmEvent(() => CRM_DETAIL_SCHEMAS.qualify()),
  convert: /* @__PURE__ */ crmEvent(() => CRM_DETAIL_SCHEMAS.convert()),
  disqualify: /* @__PURE__ */ crmEvent(() => CRM_DETAIL_SCHEMAS.disqualify()),
  recycle: /* @__PURE__ */ crmEvent(() => CRM_DETAIL_SCHEMAS.recycle()),
  bantch: /* @__PURE__ */ crmEvent(() => CRM_DETAIL_SCHEMAS.bantch()),
  opportunity: /* @__PURE__ */ crmEvent(() => CRM_DETAIL_SCHEMAS.opportunity()),
} as unknown as Record<CrmAction, () => z.ZodMiniType<CrmSalesActionEvent>>;

/**
 * The schema to parse one CRM event with: the one action its `detail.action` names (the same checks, issues
 * and paths as `crmSalesActionEventSchema`'s option for it), so a cold start builds one action's schema, not
 * seven; an event naming no known action is parsed with the whole union, whose issues say so.
 */
export function crmSalesActionEventSchemaFor(event: unknown): z.ZodMiniType<CrmSalesActionEvent> {
  const action = (event as { detail?: { action?: unknown } } | null)?.detail?.action;
  return typeof action === 'string' && Object.hasOwn(CRM_EVENT_SCHEMAS, action)
    ? CRM_EVENT_SCHEMAS[action as CrmAction]()
    : crmSalesActionEventSchema();
}

/** Strips the CRM identity, leaving the action exactly as the ops API would have parsed it. */
export function salesActionFromCrm(
  detail: CrmSalesActionDetail,
): SalesAction | BantchAction | OpportunityAction {
  const { leadId: _leadId, email: _email, ...action } = detail;
  return action;
}
