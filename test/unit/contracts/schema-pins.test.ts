/**
 * Schema pins: the published shape of each versioned event schema (required fields and property types,
 * nested paths dotted). Consumers rely on these; changing them in place is a breaking change.
 *
 * Allowed without a new version: adding an optional property, editing descriptions.
 * Anything else (removing or retyping a property, changing enum values, adding or dropping a required
 * field) needs a new file `<name>.v<n+1>.json` with its own pin here; the old version stays published.
 *
 * One correction was made in place: `tql` in the stage enums of `Lead Stage Changed` (`from`, `to`) and
 * `Lead Handed Off` (`stage`). The producers emit it whenever TQL is enabled (the demo enables it) since the
 * stage came in, while these two enums lagged; the v1 schemas now describe what v1 events carry. The test
 * "every stage the domain knows" in event-contracts.test.ts keeps them in step with `STAGES`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Pin {
  required: string[];
  types: Record<string, string>;
}

type SchemaNode = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  required?: string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
};

const describeNode = (node: SchemaNode): string => {
  const parts: string[] = [];
  if (node.type !== undefined) parts.push(Array.isArray(node.type) ? node.type.join('|') : node.type);
  if (node.enum !== undefined) parts.push(`enum(${node.enum.map(String).join(',')})`);
  if (node.const !== undefined) parts.push(`const(${String(node.const)})`);
  if (node.format !== undefined) parts.push(`format(${node.format})`);
  return parts.join(' ');
};

/** Flattens a schema into required paths and `path → type description`. */
const fingerprint = (node: SchemaNode, prefix = '', out: Pin = { required: [], types: {} }): Pin => {
  const at = (name: string) => (prefix ? `${prefix}.${name}` : name);
  for (const name of node.required ?? []) out.required.push(at(name));
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    out.types[at(name)] = describeNode(child);
    fingerprint(child, at(name), out);
  }
  if (typeof node.additionalProperties === 'object')
    out.types[at('*')] = describeNode(node.additionalProperties);
  return out;
};

/** Differences that break consumers of a pinned schema; additive optional properties are not listed. */
const breakingChanges = (pinned: Pin, actual: Pin): string[] => {
  const changes: string[] = [];
  for (const path of pinned.required)
    if (!actual.required.includes(path)) changes.push(`no longer required: ${path}`);
  for (const path of actual.required)
    if (!pinned.required.includes(path)) changes.push(`newly required: ${path}`);
  for (const [path, type] of Object.entries(pinned.types)) {
    if (!(path in actual.types)) changes.push(`removed: ${path}`);
    else if (actual.types[path] !== type) changes.push(`retyped: ${path} ${type} → ${actual.types[path]}`);
  }
  return changes;
};

const BASE_REQUIRED = ['eventId', 'version', 'occurredAt', 'leadId'];
const BASE_TYPES = {
  eventId: 'string',
  version: 'const(1)',
  occurredAt: 'string format(date-time)',
  leadId: 'string',
};

/** An `OwnerRef` at a path (`owner`, `previousOwner`, `escalation.reassignTo`): its required fields, then its types. */
const OWNER_REQUIRED = ['ownerId', 'name', 'email', 'team'];
const ownerRequired = (at: string): string[] => OWNER_REQUIRED.map((f) => `${at}.${f}`);
const ownerTypes = (at: string): Record<string, string> =>
  Object.fromEntries([...OWNER_REQUIRED, 'crmUserId'].map((f) => [`${at}.${f}`, 'string']));

const V2_GROUPS =
  'enum(paid_search,paid_social,organic_search,organic_social,email,referral,direct,phone,event,webinar,outbound,partner,import,other)';

/** The pin of a version 2 that differs from its version 1 only in `version` and the types given. */
const v2Of = (v1File: string, types: Record<string, string>): Pin => {
  const v1 = V1_PINS[v1File];
  if (!v1) throw new Error(`no pin ${v1File}`);
  return { required: v1.required, types: { ...v1.types, version: 'const(2)', ...types } };
};

const V1_PINS: Record<string, Pin> = {
  'lead-accepted.v1.json': {
    required: [...BASE_REQUIRED, 'handoffNumber', 'ownerId', 'withinSla'],
    types: {
      ...BASE_TYPES,
      handoffNumber: 'integer',
      ownerId: 'string',
      withinSla: 'boolean',
      by: 'string',
    },
  },
  'lead-follow-up-due.v1.json': {
    required: [
      ...BASE_REQUIRED,
      'handoffNumber',
      'owner',
      'dueAt',
      'plannedBy',
      'plannedAt',
      ...ownerRequired('owner'),
    ],
    types: {
      ...BASE_TYPES,
      handoffNumber: 'integer',
      owner: 'object',
      ...ownerTypes('owner'),
      dueAt: 'string format(date-time)',
      plannedBy: 'string',
      plannedAt: 'string format(date-time)',
    },
  },
  'lead-first-contacted.v1.json': {
    required: [
      ...BASE_REQUIRED,
      'handoffNumber',
      'owner',
      'activityId',
      'activityType',
      'contactedAt',
      'withinSla',
      ...ownerRequired('owner'),
    ],
    types: {
      ...BASE_TYPES,
      handoffNumber: 'integer',
      owner: 'object',
      ...ownerTypes('owner'),
      activityId: 'string',
      activityType: 'enum(call,meeting,email,note)',
      outcome: 'string',
      contactedAt: 'string format(date-time)',
      dueAt: 'string format(date-time)',
      withinSla: 'boolean',
    },
  },
  'lead-assigned.v1.json': {
    required: [
      ...BASE_REQUIRED,
      'handoffNumber',
      'owner',
      'previousOwner',
      'reason',
      'rule',
      ...ownerRequired('owner'),
      ...ownerRequired('previousOwner'),
    ],
    types: {
      ...BASE_TYPES,
      handoffNumber: 'integer',
      owner: 'object',
      ...ownerTypes('owner'),
      previousOwner: 'object|null',
      ...ownerTypes('previousOwner'),
      reason: 'enum(handoff,sla_reassign,manual)',
      rule: 'string|null',
    },
  },
  'lead-captured.v1.json': {
    required: [...BASE_REQUIRED, 'email', 'channel', 'isNew'],
    types: {
      ...BASE_TYPES,
      email: 'string',
      channel: 'enum(inbound_web,event,webinar,outbound,referral,import)',
      formId: 'string',
      isNew: 'boolean',
    },
  },
  'lead-converted.v1.json': {
    required: [...BASE_REQUIRED, 'to', 'amount', 'currency', 'expectedCloseDate'],
    types: {
      ...BASE_TYPES,
      to: 'enum(opportunity,customer)',
      amount: 'number',
      currency: 'string',
      expectedCloseDate: 'string format(date)',
      by: 'string',
    },
  },
  'lead-disqualified.v1.json': {
    required: [...BASE_REQUIRED, 'reason'],
    types: {
      ...BASE_TYPES,
      reason: 'string',
      by: 'string',
    },
  },
  'lead-handed-off.v1.json': {
    required: [
      ...BASE_REQUIRED,
      'handoffNumber',
      'owner',
      'crm',
      'score',
      'temperature',
      'stage',
      'slaDueAt',
      ...ownerRequired('owner'),
      'crm.system',
      'crm.record',
      'score.fit',
      'score.behaviour',
      'score.total',
    ],
    types: {
      ...BASE_TYPES,
      handoffNumber: 'integer',
      owner: 'object',
      ...ownerTypes('owner'),
      crm: 'object',
      'crm.system': 'enum(salesforce,hubspot,none)',
      'crm.record': 'object',
      'crm.record.*': 'string|number',
      score: 'object',
      'score.fit': 'number',
      'score.behaviour': 'number',
      'score.total': 'number',
      grade: 'enum(A,B,C,D)',
      temperature: 'enum(cold,warm,hot)',
      stage: 'enum(subscriber,lead,mql,tql,sal,sql,opportunity,customer,recycled,disqualified)',
      slaDueAt: 'string format(date-time)',
    },
  },
  'lead-qualified.v1.json': {
    required: [...BASE_REQUIRED, 'bant'],
    types: {
      ...BASE_TYPES,
      bant: 'object',
      'bant.budget': 'string',
      'bant.authority': 'string',
      'bant.needs': 'string',
      'bant.timing': 'string',
      'bant.competitor': 'string',
      'bant.humanResources': 'string',
      by: 'string',
    },
  },
  'lead-recycled.v1.json': {
    required: [...BASE_REQUIRED, 'reason', 'nurtureAt', 'sequenceId'],
    types: {
      ...BASE_TYPES,
      reason: 'string',
      nurtureAt: 'string format(date-time)',
      sequenceId: 'string',
      by: 'string',
    },
  },
  'lead-sla-breached.v1.json': {
    required: [
      ...BASE_REQUIRED,
      'handoffNumber',
      'dueAt',
      'owner',
      'escalation',
      'reassignments',
      ...ownerRequired('owner'),
      'escalation.action',
      ...ownerRequired('escalation.reassignTo'),
    ],
    types: {
      ...BASE_TYPES,
      handoffNumber: 'integer',
      dueAt: 'string format(date-time)',
      owner: 'object',
      ...ownerTypes('owner'),
      escalation: 'object',
      'escalation.action': 'enum(notify,reassign)',
      'escalation.reassignTo': 'object',
      ...ownerTypes('escalation.reassignTo'),
      reassignments: 'integer',
    },
  },
  'lead-stage-changed.v1.json': {
    required: [...BASE_REQUIRED, 'from', 'to', 'reason'],
    types: {
      ...BASE_TYPES,
      from: 'string|null enum(subscriber,lead,mql,tql,sal,sql,opportunity,customer,recycled,disqualified,null)',
      to: 'enum(subscriber,lead,mql,tql,sal,sql,opportunity,customer,recycled,disqualified)',
      reason: 'string',
    },
  },
  'lead-temperature-changed.v1.json': {
    required: [...BASE_REQUIRED, 'from', 'to', 'score', 'score.fit', 'score.behaviour', 'score.total'],
    types: {
      ...BASE_TYPES,
      from: 'string|null enum(cold,warm,hot,null)',
      to: 'enum(cold,warm,hot)',
      score: 'object',
      'score.fit': 'number',
      'score.behaviour': 'number',
      'score.total': 'number',
    },
  },
  'lead-unsubscribed.v1.json': {
    required: [...BASE_REQUIRED, 'how'],
    types: {
      ...BASE_TYPES,
      how: 'enum(one_click,page,complaint,ops)',
    },
  },
  'lead-erased.v1.json': {
    required: [...BASE_REQUIRED, 'erasedAt', 'reason'],
    types: {
      ...BASE_TYPES,
      erasedAt: 'string format(date-time)',
      reason: 'string',
    },
  },
  'opportunity-created.v1.json': {
    required: [
      ...BASE_REQUIRED,
      'opportunity',
      'opportunity.opportunityId',
      'opportunity.phase',
      'opportunity.phaseLabel',
      'opportunity.amount',
      'opportunity.currency',
      'opportunity.expectedCloseDate',
      'opportunity.probability',
      'account.name',
    ],
    types: {
      ...BASE_TYPES,
      opportunity: 'object',
      'opportunity.opportunityId': 'string',
      'opportunity.phase': 'string',
      'opportunity.phaseLabel': 'string',
      'opportunity.amount': 'number',
      'opportunity.currency': 'string',
      'opportunity.expectedCloseDate': 'string format(date)',
      'opportunity.probability': 'integer',
      account: 'object',
      'account.name': 'string',
      'account.domain': 'string',
      contact: 'object',
      'contact.lastName': 'string',
      'contact.firstName': 'string',
      'contact.email': 'string',
      'contact.title': 'string',
      'contact.phone': 'string',
      by: 'string',
    },
  },
  'opportunity-phase-changed.v1.json': {
    required: [
      ...BASE_REQUIRED,
      'opportunity',
      'from',
      'to',
      'opportunity.opportunityId',
      'opportunity.phase',
      'opportunity.phaseLabel',
      'opportunity.amount',
      'opportunity.currency',
      'opportunity.expectedCloseDate',
      'opportunity.probability',
    ],
    types: {
      ...BASE_TYPES,
      opportunity: 'object',
      'opportunity.opportunityId': 'string',
      'opportunity.phase': 'string',
      'opportunity.phaseLabel': 'string',
      'opportunity.amount': 'number',
      'opportunity.currency': 'string',
      'opportunity.expectedCloseDate': 'string format(date)',
      'opportunity.probability': 'integer',
      from: 'string',
      to: 'string',
      by: 'string',
    },
  },
  'opportunity-won.v1.json': {
    required: [
      ...BASE_REQUIRED,
      'opportunity',
      'channel',
      'opportunity.opportunityId',
      'opportunity.phase',
      'opportunity.phaseLabel',
      'opportunity.amount',
      'opportunity.currency',
      'opportunity.expectedCloseDate',
      'opportunity.probability',
    ],
    types: {
      ...BASE_TYPES,
      opportunity: 'object',
      'opportunity.opportunityId': 'string',
      'opportunity.phase': 'string',
      'opportunity.phaseLabel': 'string',
      'opportunity.amount': 'number',
      'opportunity.currency': 'string',
      'opportunity.expectedCloseDate': 'string format(date)',
      'opportunity.probability': 'integer',
      channel:
        'enum(paid_search,paid_social,organic_search,organic_social,email,referral,direct,event,webinar,outbound,partner,import,other)',
      by: 'string',
    },
  },
  'opportunity-lost.v1.json': {
    required: [
      ...BASE_REQUIRED,
      'opportunity',
      'reason',
      'channel',
      'nurtureAt',
      'opportunity.opportunityId',
      'opportunity.phase',
      'opportunity.phaseLabel',
      'opportunity.amount',
      'opportunity.currency',
      'opportunity.expectedCloseDate',
      'opportunity.probability',
    ],
    types: {
      ...BASE_TYPES,
      opportunity: 'object',
      'opportunity.opportunityId': 'string',
      'opportunity.phase': 'string',
      'opportunity.phaseLabel': 'string',
      'opportunity.amount': 'number',
      'opportunity.currency': 'string',
      'opportunity.expectedCloseDate': 'string format(date)',
      'opportunity.probability': 'integer',
      reason: 'string',
      competitor: 'string',
      channel:
        'enum(paid_search,paid_social,organic_search,organic_social,email,referral,direct,event,webinar,outbound,partner,import,other)',
      nurtureAt: 'string format(date-time)',
      by: 'string',
    },
  },
  'lead-updated.v1.json': {
    required: [...BASE_REQUIRED, 'crm', 'stage', 'temperature', 'changedSince', 'crm.system', 'crm.record'],
    types: {
      ...BASE_TYPES,
      crm: 'object',
      'crm.system': 'enum(salesforce,hubspot,none)',
      'crm.record': 'object',
      'crm.record.*': 'string|number',
      stage: 'enum(subscriber,lead,mql,tql,sal,sql,opportunity,customer,recycled,disqualified)',
      temperature: 'enum(cold,warm,hot)',
      changedSince: 'string format(date-time)',
    },
  },
};

const PINNED: Record<string, Pin> = {
  ...V1_PINS,
  // Version 2 of the events that carry a channel: the same fields, and the channel values v1 cannot name
  // (`inbound_phone`, grouped `phone`). Producers publish v2 only for those (`channelEventVersion`).
  'lead-captured.v2.json': v2Of('lead-captured.v1.json', {
    channel: 'enum(inbound_web,inbound_phone,event,webinar,outbound,referral,import)',
  }),
  'opportunity-won.v2.json': v2Of('opportunity-won.v1.json', { channel: V2_GROUPS }),
  'opportunity-lost.v2.json': v2Of('opportunity-lost.v1.json', { channel: V2_GROUPS }),
};

const SCHEMA_DIR = new URL('../../../shared/domain/lead/event-schemas/', import.meta.url);
const schemaFiles = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.json'));
const load = (file: string): SchemaNode =>
  JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8')) as SchemaNode;

describe('schema pins', () => {
  it('given the schema folder, then every schema version has a pin and every pinned version is still published', () => {
    expect([...schemaFiles].sort()).toEqual(Object.keys(PINNED).sort());
  });

  it.each(Object.keys(PINNED))(
    'given %s, then its required fields and property types match the pin',
    (file) => {
      // Arrange
      const pin = PINNED[file] as Pin;

      // Act
      const changes = breakingChanges(pin, fingerprint(load(file)));

      // Assert
      expect(changes, `${file} changed incompatibly: publish a new version instead`).toEqual([]);
    },
  );
});

describe('breaking-change detection', () => {
  const schema: SchemaNode = {
    type: 'object',
    required: ['a', 'nested'],
    properties: {
      a: { type: 'string' },
      b: { type: 'number' },
      nested: { type: 'object', required: ['x'], properties: { x: { enum: ['p', 'q'] } } },
    },
  };
  const pin = fingerprint(schema);

  it('given an added optional property, then it is not a breaking change', () => {
    const added = { ...schema, properties: { ...schema.properties, c: { type: 'string' } } };
    expect(breakingChanges(pin, fingerprint(added))).toEqual([]);
  });

  it.each<[string, SchemaNode, string]>([
    [
      'a removed property',
      { ...schema, properties: { ...schema.properties, b: undefined as never } },
      'removed: b',
    ],
    [
      'a retyped property',
      { ...schema, properties: { ...schema.properties, b: { type: 'string' } } },
      'retyped: b number → string',
    ],
    ['a new required field', { ...schema, required: ['a', 'nested', 'b'] }, 'newly required: b'],
    ['a dropped required field', { ...schema, required: ['nested'] }, 'no longer required: a'],
    [
      'a changed nested enum',
      {
        ...schema,
        properties: {
          ...schema.properties,
          nested: { type: 'object', required: ['x'], properties: { x: { enum: ['p'] } } },
        },
      },
      'retyped: nested.x enum(p,q) → enum(p)',
    ],
  ])('given %s, then it is reported as breaking', (_name, changed, expected) => {
    const cleaned = JSON.parse(JSON.stringify(changed)) as SchemaNode;
    expect(breakingChanges(pin, fingerprint(cleaned))).toContain(expected);
  });
});

/** Operations events (no lead: `shared/domain/operations/event-schemas/`), pinned the same way. */
const OPERATIONS_PINNED: Record<string, Pin> = {
  'sweeper-lagging.v1.json': {
    required: [
      'eventId',
      'version',
      'occurredAt',
      'lagSeconds',
      'thresholdSeconds',
      'oldestDueAt',
      'due',
      'done',
      'failed',
      'stoppedEarly',
      'shards',
      'quietMinutes',
      'shards.swept',
      'shards.oldest',
    ],
    types: {
      eventId: 'string',
      version: 'const(1)',
      occurredAt: 'string format(date-time)',
      lagSeconds: 'integer',
      thresholdSeconds: 'integer',
      oldestDueAt: 'string format(date-time)',
      due: 'integer',
      done: 'integer',
      failed: 'integer',
      stoppedEarly: 'boolean',
      shards: 'object',
      'shards.swept': 'integer',
      'shards.oldest': 'string',
      quietMinutes: 'integer',
    },
  },
};

const OPERATIONS_DIR = new URL('../../../shared/domain/operations/event-schemas/', import.meta.url);

describe('schema pins: operations events', () => {
  it('given the operations schema folder, then every schema version has a pin and every pinned version is still published', () => {
    const files = readdirSync(OPERATIONS_DIR).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(Object.keys(OPERATIONS_PINNED).sort());
  });

  it.each(Object.keys(OPERATIONS_PINNED))(
    'given %s, then its required fields and property types match the pin',
    (file) => {
      const schema = JSON.parse(readFileSync(new URL(file, OPERATIONS_DIR), 'utf8')) as SchemaNode;
      const changes = breakingChanges(OPERATIONS_PINNED[file] as Pin, fingerprint(schema));
      expect(changes, `${file} changed incompatibly: publish a new version instead`).toEqual([]);
    },
  );
});
