/**
 * Hand-off configuration: when a lead goes to sales, who gets it, how fast they must accept, how it
 * is written to the CRM, and where the events go. Marketing ops set the values in `config/handoff.ts`;
 * a typo fails at synth with the field's path, e.g. `crm.mapping.fields.Lead_Score__c.source: unknown source 'score.totl' …`.
 *
 * The parsed `HandoffConfig` is accepted as is by the domain (`assignOwner`, `planHandoff`, `onSlaTimer`).
 */
import { z } from 'zod';
import { CRM_TRANSFORMS, type CrmFieldSpec, parseMappingSource } from '#domain/handoff/crm-mapping';
import { OWNER_ALERT_EVENTS } from '#domain/handoff/owner-alert';
import { HANDOFF_TRIGGERS } from '#domain/handoff/routing';
import { CRM_SYSTEMS, DETAIL_TYPES } from '#domain/lead/events';
import { TEMPERATURES } from '#domain/lead/types';
import { isMonthDay, isValidTimeZone, parseHhMm } from '#domain/nurture/calendar';

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ and -, up to 64 characters');

const ownerSchema = z
  .object({
    ownerId: id,
    name: z.string().trim().min(1).max(100),
    email: z.email(),
    team: id,
    /** The owner's user id in the CRM (Salesforce 005…, HubSpot owner id), for OwnerId-style fields. */
    crmUserId: z.string().min(1).max(64).optional(),
    available: z.boolean().default(true),
  })
  .strict();

const teamSchema = z.object({ teamId: id, name: z.string().trim().min(1).max(100) }).strict();

const nonEmptyList = z.array(z.string().trim().min(1).max(100)).min(1);

const ruleSchema = z
  .object({
    id,
    when: z
      .object({
        prefecture: nonEmptyList.optional(),
        country: nonEmptyList.optional(),
        industry: nonEmptyList.optional(),
        employees: z
          .object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
          .strict()
          .refine((r) => r.min !== undefined || r.max !== undefined, 'give min, max or both')
          .refine(
            (r) => r.min === undefined || r.max === undefined || r.min <= r.max,
            'min must not exceed max',
          )
          .optional(),
      })
      .strict()
      .refine((w) => Object.keys(w).length > 0, 'a rule needs at least one condition'),
    assignTo: z.union([z.object({ team: id }).strict(), z.object({ owner: id }).strict()]),
  })
  .strict();

const hhmm = z.string().refine((s) => {
  try {
    parseHhMm(s);
    return true;
  } catch {
    return false;
  }
}, 'expected HH:MM');

/** Mirrors `#domain/calendar`'s BusinessWindow; defaults to Tokyo office hours, Japanese holidays closed. */
export const businessWindowSchema = z
  .object({
    timeZone: z.string().refine(isValidTimeZone, 'unknown IANA time zone').default('Asia/Tokyo'),
    /** ISO weekdays: 1 = Monday … 7 = Sunday. */
    days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
    start: hhmm.default('09:00'),
    end: hhmm.default('18:00'),
    skipJapaneseHolidays: z.boolean().default(true),
    /** Closed every year on these local dates, "MM-DD" (e.g. 年末年始: 12-29 … 01-03). */
    closedDates: z.array(z.string().refine(isMonthDay, 'a date as "MM-DD"')).max(366).optional(),
  })
  .strict()
  .refine((w) => parseHhMm(w.start) < parseHhMm(w.end), {
    message: 'start must be before end',
    path: ['end'],
  });

/** One SLA clock: hours on the wall clock, or inside the SLA's `window` when `businessHours` is true. */
const clockSchema = z
  .object({
    hours: z
      .number()
      .positive()
      .max(24 * 30),
    businessHours: z.boolean().default(false),
  })
  .strict();

const slaSchema = z
  .object({
    /** Accept deadline: wall-clock hours, or hours inside `window` when `businessHours` is true. */
    hours: z
      .number()
      .positive()
      .max(24 * 30)
      .default(24),
    businessHours: z.boolean().default(false),
    window: businessWindowSchema.prefault({}),
    reassignOnBreach: z.boolean().default(true),
    maxReassignments: z.number().int().min(0).max(10).default(1),
    /** Default first-contact clock (the owner's first logged activity); absent: no first-contact SLA. */
    firstContact: clockSchema.optional(),
  })
  .strict();

/**
 * A routing rule: for hand-offs opened by `trigger` (and, if given, only at these temperatures), the team
 * that gets them and the clocks they run. The first matching route wins; no route: the assignment rules,
 * the default team and the default clocks.
 */
const routeSchema = z
  .object({
    trigger: z.enum(HANDOFF_TRIGGERS),
    temperature: z.array(z.enum(TEMPERATURES)).min(1).optional(),
    team: id.optional(),
    accept: clockSchema.optional(),
    firstContact: clockSchema.optional(),
  })
  .strict();

/**
 * One CRM field; a bare string is shorthand for `{ source }`. The source is checked after the union so
 * a typo is reported on the field itself (`fields.Grade__c.source: unknown source …`), whichever form was used.
 */
const fieldSpecSchema = z
  .union([
    z.string().transform((source) => ({
      source,
      transforms: ['trim' as const],
      type: 'string' as const,
      required: false,
    })),
    z
      .object({
        source: z.string(),
        transforms: z.array(z.enum(CRM_TRANSFORMS)).default(['trim']),
        values: z.record(z.string(), z.string()).optional(),
        type: z.enum(['string', 'number']).default('string'),
        maxLength: z.number().int().positive().max(131_072).optional(),
        fallback: z.union([z.string().min(1), z.number()]).optional(),
        required: z.boolean().default(false),
      })
      .strict(),
  ])
  .superRefine((spec: CrmFieldSpec, ctx) => {
    const parsed = parseMappingSource(spec.source);
    if ('error' in parsed) ctx.addIssue({ code: 'custom', path: ['source'], message: parsed.error });
    if (spec.required && spec.fallback === undefined && !spec.source.startsWith('const:')) {
      ctx.addIssue({
        code: 'custom',
        path: ['fallback'],
        message: 'a required CRM field needs a fallback for leads that lack the value',
      });
    }
    if (
      spec.fallback !== undefined &&
      typeof spec.fallback !== (spec.type === 'number' ? 'number' : 'string')
    ) {
      ctx.addIssue({ code: 'custom', path: ['fallback'], message: `fallback must be a ${spec.type}` });
    }
    if (spec.maxLength !== undefined && spec.type === 'number') {
      ctx.addIssue({
        code: 'custom',
        path: ['maxLength'],
        message: 'maxLength applies to string fields only',
      });
    }
  });

const crmFieldName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'a CRM API field name such as Lead_Score__c');

export const crmMappingSchema = z
  .object({
    fields: z.record(crmFieldName, fieldSpecSchema),
    /** How the `summary` source renders (recent activity times are shown in this zone). */
    summary: z
      .object({
        timeZone: z.string().refine(isValidTimeZone, 'unknown IANA time zone').default('Asia/Tokyo'),
        maxActivities: z.number().int().min(0).max(50).default(5),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type CrmMappingConfig = z.output<typeof crmMappingSchema>;

const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });
const targetName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9-]{0,47}$/,
    'letters, digits and dashes, starting with a letter (used in resource names)',
  );
const secretName = z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a Secrets Manager secret name');
/** Which detail-types a target receives; by default the ones sales acts on (a planned call coming due too). */
const targetEvents = z
  .array(z.enum(DETAIL_TYPES))
  .min(1)
  .default(['Lead Handed Off', 'Lead Assigned', 'Lead SLA Breached', 'Lead Follow-up Due']);

export const targetSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('webhook'),
      name: targetName,
      url: httpsUrl,
      /** Header that carries the API key, e.g. `x-api-key`; the key itself is in `secretName`. */
      apiKeyHeader: z
        .string()
        .regex(/^[A-Za-z0-9-]{1,64}$/, 'an HTTP header name')
        .optional(),
      secretName: secretName.optional(),
      events: targetEvents,
    })
    .strict()
    .refine((t) => (t.apiKeyHeader === undefined) === (t.secretName === undefined), {
      message: 'apiKeyHeader and secretName go together',
      path: ['secretName'],
    }),
  z
    .object({
      kind: z.literal('slack'),
      name: targetName,
      webhookSecretName: secretName,
      events: targetEvents,
    })
    .strict(),
  z
    .object({
      kind: z.literal('salesforce'),
      name: targetName,
      instanceUrl: httpsUrl,
      apiVersion: z
        .string()
        .regex(/^v\d{2}\.0$/, 'e.g. v61.0')
        .default('v61.0'),
      /** OAuth 2.0 client credentials flow of a Salesforce connected app. */
      oauth: z
        .object({
          clientIdSecretName: secretName,
          clientSecretSecretName: secretName,
          /** Defaults to `<instanceUrl>/services/oauth2/token`. */
          tokenUrl: httpsUrl.optional(),
        })
        .strict(),
      // Salesforce also upserts the coalesced `Lead Updated` record (deals: CRM kept in sync after hand-off).
      events: z
        .array(z.enum(DETAIL_TYPES))
        .min(1)
        .default(['Lead Handed Off', 'Lead Assigned', 'Lead SLA Breached', 'Lead Updated']),
    })
    .strict(),
  z
    .object({
      kind: z.literal('sqs'),
      name: targetName,
      fifo: z.boolean().default(false),
      events: targetEvents,
    })
    .strict(),
]);
export type HandoffTarget = z.output<typeof targetSchema>;

const triggerSchema = z.discriminatedUnion('on', [
  z.object({ on: z.literal('hot') }).strict(),
  // Later stages are sales' own: a hand-off into them would skip accept.
  z.object({ on: z.literal('stage'), stage: z.enum(['lead', 'mql']) }).strict(),
]);

export const handoffConfigSchema = z
  .object({
    /** Hand off when the lead turns hot, or when it reaches a stage (before sales owns it). */
    trigger: triggerSchema.default({ on: 'hot' }),
    owners: z.array(ownerSchema).min(1),
    teams: z.array(teamSchema).min(1),
    /** Checked in order; the first match decides the team (or owner). */
    assignmentRules: z.array(ruleSchema).default([]),
    /** Team for leads no rule matches, and the fallback when a rule's team has nobody available. */
    defaultTeam: id,
    sla: slaSchema.prefault({}),
    /** Team and clocks per hand-off trigger (hot, mql, inquiry, appointment_set, manual). */
    routes: z.array(routeSchema).default([]),
    /**
     * TQL: when on, a logged activity with outcome `appointment_set` moves the lead to `tql` and opens a
     * second hand-off (trigger `appointment_set`, e.g. to field sales). Off: the outcome is only logged.
     */
    tql: z
      .object({ enabled: z.boolean().default(true) })
      .strict()
      .prefault({}),
    crm: z
      .object({ system: z.enum(CRM_SYSTEMS), mapping: crmMappingSchema.prefault({ fields: {} }) })
      .strict()
      .prefault({ system: 'none' }),
    recycle: z
      .object({
        nurtureAfterDays: z.number().int().min(0).max(365).default(30),
        sequenceId: id.default('recycle-nurture'),
      })
      .strict()
      .prefault({}),
    targets: z.array(targetSchema).default([]),
    /**
     * E-mail to the owner (their `email` above) about a lead they must act on: handed to them, reassigned to
     * them, a deadline of theirs passed, the contact they planned come due. Sent from `app.sender`, once per
     * event. `events: []` sends none (targets alone then tell sales).
     */
    ownerAlerts: z
      .object({
        events: z.array(z.enum(OWNER_ALERT_EVENTS)).default([...OWNER_ALERT_EVENTS]),
        /**
         * The morning list (本日の対応予定): on each business day of `sla.window` (its weekdays, holidays and
         * closed dates), at `time` on its clock, every owner with a deadline passed or due today, or a contact
         * planned for today, gets one mail of them. Absent: none, and no schedule.
         */
        morningList: z.object({ time: hhmm }).strict().optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const teamIds = new Set(config.teams.map((t) => t.teamId));
    const ownerIds = new Set<string>();
    config.owners.forEach((owner, i) => {
      if (ownerIds.has(owner.ownerId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['owners', i, 'ownerId'],
          message: `duplicate owner '${owner.ownerId}'`,
        });
      }
      ownerIds.add(owner.ownerId);
      if (!teamIds.has(owner.team)) {
        ctx.addIssue({
          code: 'custom',
          path: ['owners', i, 'team'],
          message: `unknown team '${owner.team}'`,
        });
      }
    });
    if (teamIds.size !== config.teams.length) {
      ctx.addIssue({ code: 'custom', path: ['teams'], message: 'team ids must be unique' });
    }
    if (!teamIds.has(config.defaultTeam)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultTeam'],
        message: `unknown team '${config.defaultTeam}'`,
      });
    }
    config.assignmentRules.forEach((rule, i) => {
      const target = rule.assignTo;
      if ('team' in target && !teamIds.has(target.team)) {
        ctx.addIssue({
          code: 'custom',
          path: ['assignmentRules', i, 'assignTo', 'team'],
          message: `unknown team '${target.team}'`,
        });
      }
      if ('owner' in target && !ownerIds.has(target.owner)) {
        ctx.addIssue({
          code: 'custom',
          path: ['assignmentRules', i, 'assignTo', 'owner'],
          message: `unknown owner '${target.owner}'`,
        });
      }
    });
    config.routes.forEach((route, i) => {
      if (route.team !== undefined && !teamIds.has(route.team)) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'team'],
          message: `unknown team '${route.team}'`,
        });
      }
    });
    const targetNames = config.targets.map((t) => t.name);
    targetNames.forEach((name, i) => {
      if (targetNames.indexOf(name) !== i) {
        ctx.addIssue({
          code: 'custom',
          path: ['targets', i, 'name'],
          message: `duplicate target name '${name}'`,
        });
      }
    });
    if (config.crm.system !== 'none' && Object.keys(config.crm.mapping.fields).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['crm', 'mapping', 'fields'],
        message: `a ${config.crm.system} mapping needs fields`,
      });
    }
  });

export type HandoffConfig = z.output<typeof handoffConfigSchema>;
export type HandoffConfigInput = z.input<typeof handoffConfigSchema>;
export type CrmMappingInput = z.input<typeof crmMappingSchema>;

// ---------------------------------------------------------------------------------------------
// Mapping presets. Field names and lengths follow the standard objects; custom fields (`__c`, custom
// properties) must exist in the CRM. Copy and edit in `config/handoff.ts` to change them.
// ---------------------------------------------------------------------------------------------

const RATING_BY_TEMPERATURE = { hot: 'Hot', warm: 'Warm', cold: 'Cold' };

/** Salesforce Lead `Status` (standard picklist) from the stage; every stage listed (tql too). */
const SALESFORCE_STATUS_BY_STAGE = {
  subscriber: 'Open - Not Contacted',
  lead: 'Open - Not Contacted',
  mql: 'Open - Not Contacted',
  tql: 'Open - Not Contacted',
  sal: 'Working - Contacted',
  sql: 'Working - Contacted',
  opportunity: 'Closed - Converted',
  customer: 'Closed - Converted',
  recycled: 'Closed - Not Converted',
  disqualified: 'Closed - Not Converted',
};

/** Salesforce `LeadSource` from the first-touch channel (not the utm source: the channel is the report's). */
const SALESFORCE_SOURCE_BY_CHANNEL = {
  paid_search: 'Advertisement',
  paid_social: 'Advertisement',
  organic_search: 'Web',
  organic_social: 'Web',
  email: 'Email',
  referral: 'External Referral',
  direct: 'Web',
  phone: 'Phone Inquiry',
  event: 'Trade Show',
  webinar: 'Webinar',
  outbound: 'Outbound',
  partner: 'Partner Referral',
  import: 'Purchased List',
  other: 'Other',
  // Leads stored before the channel grouping.
  inbound_web: 'Web',
};

/** Salesforce Lead. LastName and Company are required by Salesforce, so they fall back to 「(不明)」. */
export const salesforceLeadMapping: CrmMappingInput = {
  fields: {
    FirstName: { source: 'attribute:firstName', maxLength: 40 },
    LastName: { source: 'attribute:lastName', maxLength: 80, required: true, fallback: '(不明)' },
    Company: { source: 'attribute:company', maxLength: 255, required: true, fallback: '(不明)' },
    Email: { source: 'attribute:email', transforms: ['trim', 'lowercase'], maxLength: 80 },
    Phone: { source: 'attribute:phone', transforms: ['trim', 'nfkc'], maxLength: 40 },
    Title: { source: 'attribute:title', maxLength: 128 },
    LeadSource: { source: 'channel', values: SALESFORCE_SOURCE_BY_CHANNEL, maxLength: 255, fallback: 'Web' },
    Status: { source: 'stage', values: SALESFORCE_STATUS_BY_STAGE, maxLength: 40 },
    Industry: { source: 'attribute:industry', maxLength: 255 },
    NumberOfEmployees: { source: 'attribute:employees', type: 'number' },
    Rating: { source: 'temperature', values: RATING_BY_TEMPERATURE },
    Description: { source: 'summary', maxLength: 32_000 },
    Lead_Score__c: { source: 'score.total', type: 'number' },
    Fit_Score__c: { source: 'score.fit', type: 'number' },
    Behaviour_Score__c: { source: 'score.behaviour', type: 'number' },
    Grade__c: { source: 'grade', maxLength: 1 },
    OwnerId: 'owner.crmUserId',
    Last_Activity_Date__c: 'lastActivityDate',
    Budget__c: { source: 'bantch.budget', maxLength: 255 },
    Authority__c: { source: 'bantch.authority', maxLength: 255 },
    Needs__c: { source: 'bantch.needs', maxLength: 255 },
    Timing__c: { source: 'bantch.timing', maxLength: 255 },
    Competitor__c: { source: 'bantch.competitor', maxLength: 255 },
    Human_Resources__c: { source: 'bantch.humanResources', maxLength: 255 },
    Opportunity_Phase__c: { source: 'opportunity.phaseLabel', maxLength: 40 },
    Opportunity_Amount__c: { source: 'opportunity.amount', type: 'number' },
  },
};

/** HubSpot contact (internal property names). `leadloop_*` are custom number/text properties. */
export const hubspotContactMapping: CrmMappingInput = {
  fields: {
    firstname: 'attribute:firstName',
    lastname: 'attribute:lastName',
    email: { source: 'attribute:email', transforms: ['trim', 'lowercase'] },
    company: 'attribute:company',
    phone: { source: 'attribute:phone', transforms: ['trim', 'nfkc'] },
    jobtitle: 'attribute:title',
    industry: 'attribute:industry',
    numemployees: { source: 'attribute:employees', type: 'number' },
    hs_lead_status: {
      source: 'stage',
      // Every stage listed: a value the lookup misses would reach HubSpot as is and be rejected.
      values: {
        subscriber: 'NEW',
        lead: 'NEW',
        mql: 'NEW',
        tql: 'OPEN',
        sal: 'OPEN',
        sql: 'IN_PROGRESS',
        opportunity: 'OPEN_DEAL',
        customer: 'CONNECTED',
        recycled: 'BAD_TIMING',
        disqualified: 'UNQUALIFIED',
      },
    },
    lifecyclestage: {
      source: 'stage',
      values: {
        subscriber: 'subscriber',
        lead: 'lead',
        mql: 'marketingqualifiedlead',
        tql: 'marketingqualifiedlead',
        sal: 'marketingqualifiedlead',
        sql: 'salesqualifiedlead',
        opportunity: 'opportunity',
        customer: 'customer',
        recycled: 'other',
        disqualified: 'other',
      },
    },
    hubspot_owner_id: 'owner.crmUserId',
    leadloop_score: { source: 'score.total', type: 'number' },
    leadloop_fit_score: { source: 'score.fit', type: 'number' },
    leadloop_behaviour_score: { source: 'score.behaviour', type: 'number' },
    leadloop_grade: 'grade',
    leadloop_summary: { source: 'summary', maxLength: 65_536 },
    leadloop_lead_source: 'channel',
    leadloop_last_activity_date: 'lastActivityDate',
    leadloop_budget: 'bantch.budget',
    leadloop_authority: 'bantch.authority',
    leadloop_needs: 'bantch.needs',
    leadloop_timing: 'bantch.timing',
    leadloop_competitor: 'bantch.competitor',
    leadloop_human_resources: 'bantch.humanResources',
    leadloop_deal_phase: 'opportunity.phaseLabel',
    leadloop_deal_amount: { source: 'opportunity.amount', type: 'number' },
  },
};
