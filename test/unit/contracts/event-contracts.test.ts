/**
 * Contract tests for the events we publish: every detail-type has a versioned JSON schema, every sample
 * event in `test/events/` and every event the domain actually builds validates against it, and a
 * breaking change to a detail (a required field removed, a type changed, an undeclared field) is rejected.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { handoffConfigSchema } from '#config/handoff';
import { followUpDue } from '#domain/handoff/follow-up';
import { planHandoff } from '#domain/handoff/handoff';
import { applySalesAction } from '#domain/handoff/sales-actions';
import { onSlaTimer } from '#domain/handoff/sla';
import { crmSalesActionEventSchema } from '#domain/lead/actions';
import {
  type AnyDomainEvent,
  buildDomainEvent,
  CHANNELS_SINCE_V2,
  CRM_EVENT_SOURCE,
  CRM_SALES_ACTION_DETAIL_TYPE,
  channelEventVersion,
  DETAIL_TYPES,
  type DetailByType,
  type DetailType,
  EVENT_SOURCE,
  kebabName,
} from '#domain/lead/events';
import { CHANNEL_GROUPS, CHANNELS, type Channel, type ChannelGroup, STAGES } from '#domain/lead/types';
import { SWEEPER_EVENT_SOURCE, SWEEPER_LAGGING, sweeperLagging } from '#domain/operations/sweeper-lag';
import { handoff as demoHandoff } from '../../../config/handoff.ts';

// ---------------------------------------------------------------------------------------------
// A validator for the subset of JSON Schema (draft 2020-12) our schemas use. No ajv is installed;
// an unsupported keyword throws, so a schema can never rely on something silently ignored here.
// ---------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'x-detail-type', 'x-source']);
const KEYWORDS = new Set([
  'type',
  'required',
  'properties',
  'additionalProperties',
  'enum',
  'const',
  'items',
  'format',
  'minimum',
  'minLength',
]);

const isObject = (v: unknown): v is { [key: string]: unknown } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const hasType = (value: unknown, type: Json): boolean => {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    default:
      throw new Error(`unsupported type ${JSON.stringify(type)}`);
  }
};

const asSchema = (json: Json | undefined, at: string): Schema => {
  if (!isObject(json)) throw new Error(`${at}: expected a schema object`);
  return json as Schema;
};

/** Returns the problems found (empty when valid), each prefixed with its JSON path. */
const validate = (schema: Schema, value: unknown, path = '$'): string[] => {
  for (const key of Object.keys(schema)) {
    if (!ANNOTATIONS.has(key) && !KEYWORDS.has(key)) throw new Error(`${path}: unsupported keyword '${key}'`);
  }
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => hasType(value, t))) {
      return [`${path}: expected ${types.join(' or ')}, got ${value === null ? 'null' : typeof value}`];
    }
  }
  if (schema.const !== undefined && value !== schema.const)
    errors.push(`${path}: must be ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value)) {
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength)
      errors.push(`${path}: too short`);
    if (schema.format === 'date-time' && !(DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)))) {
      errors.push(`${path}: not an ISO-8601 date-time`);
    }
    if (schema.format === 'date' && !(DATE.test(value) && !Number.isNaN(Date.parse(value)))) {
      errors.push(`${path}: not a YYYY-MM-DD date`);
    }
  }
  if (typeof value === 'number' && typeof schema.minimum === 'number' && value < schema.minimum) {
    errors.push(`${path}: below ${schema.minimum}`);
  }
  if (isObject(value)) {
    const properties = isObject(schema.properties) ? (schema.properties as { [key: string]: Json }) : {};
    for (const name of Array.isArray(schema.required) ? schema.required : []) {
      if (typeof name === 'string' && !(name in value)) errors.push(`${path}: missing required '${name}'`);
    }
    for (const [name, v] of Object.entries(value)) {
      const at = `${path}.${name}`;
      if (name in properties) errors.push(...validate(asSchema(properties[name], at), v, at));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property '${name}'`);
      else if (isObject(schema.additionalProperties)) {
        errors.push(...validate(schema.additionalProperties as Schema, v, at));
      }
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, i) => {
      errors.push(...validate(asSchema(schema.items, `${path}[${i}]`), item, `${path}[${i}]`));
    });
  }
  return errors;
};

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

const SCHEMA_DIR = new URL('../../../shared/domain/lead/event-schemas/', import.meta.url);
const SAMPLE_DIR = new URL('../../events/', import.meta.url);
const readJson = (url: URL): Json => JSON.parse(readFileSync(url, 'utf8')) as Json;

const schemaFiles = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.json'));
/** The newest version of each detail-type's schema: that is what producers must satisfy. */
const currentSchema = (detailType: DetailType): { file: string; version: number; schema: Schema } => {
  const versions = schemaFiles
    .map((file) => ({ file, match: new RegExp(`^${kebabName(detailType)}\\.v(\\d+)\\.json$`).exec(file) }))
    .filter((x) => x.match !== null)
    .map((x) => ({ file: x.file, version: Number(x.match?.[1]) }))
    .sort((a, b) => b.version - a.version);
  const newest = versions[0];
  if (!newest) throw new Error(`no schema for ${detailType}`);
  return { ...newest, schema: asSchema(readJson(new URL(newest.file, SCHEMA_DIR)), newest.file) };
};

/**
 * The schema a detail must satisfy: the version it says it is (a producer publishes the lowest version that
 * can carry its content, e.g. `Lead Captured` v1 unless its channel is one only v2 names), else the newest.
 */
const schemaOf = (detailType: DetailType, detail: unknown): Schema => {
  const version = isObject(detail) && typeof detail.version === 'number' ? detail.version : undefined;
  if (version === undefined) return currentSchema(detailType).schema;
  const file = `${kebabName(detailType)}.v${version}.json`;
  if (!schemaFiles.includes(file)) throw new Error(`no schema ${file}`);
  return asSchema(readJson(new URL(file, SCHEMA_DIR)), file);
};

const ENVELOPE: Schema = {
  type: 'object',
  required: ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail'],
  additionalProperties: false,
  properties: {
    version: { const: '0' },
    id: { type: 'string', minLength: 1 },
    'detail-type': { type: 'string', minLength: 1 },
    source: { type: 'string', minLength: 1 },
    account: { type: 'string', minLength: 12 },
    time: { type: 'string', format: 'date-time' },
    region: { type: 'string', minLength: 1 },
    resources: { type: 'array', items: { type: 'string' } },
    detail: { type: 'object' },
  },
};

// ---------------------------------------------------------------------------------------------
// Events as the domain builds them
// ---------------------------------------------------------------------------------------------

const NOW = Date.UTC(2025, 4, 12, 1, 30);
const occurredAt = new Date(NOW).toISOString();
const base = { version: 1 as const, occurredAt, leadId: 'lead-1' };
const owner = { ownerId: 'sato', name: '佐藤 健', email: 'k.sato@example.co.jp', team: 'enterprise' };

/** One hand-written detail per type; the mapped type makes the compiler demand every detail-type. */
const opportunity = {
  opportunityId: 'lead-1:1',
  phase: 'proposal',
  phaseLabel: '提案',
  amount: 1_200_000,
  currency: 'JPY',
  expectedCloseDate: '2025-12-31',
  probability: 40,
};

const BUILT: { [T in DetailType]: DetailByType[T] } = {
  'Lead Captured': {
    ...base,
    eventId: 'lead-1:captured:1',
    email: 'taro@example.co.jp',
    channel: 'inbound_web',
    isNew: true,
  },
  'Lead Stage Changed': { ...base, eventId: 'lead-1:stage:1', from: null, to: 'lead', reason: 'captured' },
  'Lead Temperature Changed': {
    ...base,
    eventId: 'lead-1:temperature:1',
    from: 'warm',
    to: 'hot',
    score: { fit: 40, behaviour: 45, total: 85 },
  },
  'Lead Handed Off': {
    ...base,
    eventId: 'lead-1:handoff:1',
    handoffNumber: 1,
    owner,
    crm: { system: 'hubspot', record: { lastname: '山田', numemployees: 1000 } },
    score: { fit: 40, behaviour: 45, total: 85 },
    temperature: 'hot',
    stage: 'mql',
    slaDueAt: occurredAt,
  },
  'Lead Assigned': {
    ...base,
    eventId: 'lead-1:assign:1:0',
    handoffNumber: 1,
    owner,
    previousOwner: null,
    reason: 'manual',
    rule: 'enterprise-size',
  },
  'Lead SLA Breached': {
    ...base,
    eventId: 'lead-1:sla:1:0',
    handoffNumber: 1,
    clock: 'accept',
    dueAt: occurredAt,
    owner,
    escalation: { action: 'notify' },
    reassignments: 0,
  },
  'Lead First Contacted': {
    ...base,
    eventId: 'lead-1:first-contact:1',
    handoffNumber: 1,
    owner,
    activityId: 'call-1',
    activityType: 'call',
    contactedAt: occurredAt,
    withinSla: true,
  },
  // As the follow-up timer builds it.
  'Lead Follow-up Due': (() => {
    const planned = Date.parse(occurredAt) - 86_400_000;
    const event = followUpDue(
      base.leadId,
      {
        n: 1,
        owner,
        rule: null,
        startedAt: planned - 3_600_000,
        dueAt: planned,
        acceptedAt: planned - 60_000,
        reassignments: 0,
        previousOwnerIds: [],
        followUp: { at: Date.parse(occurredAt), by: owner.ownerId, setAt: planned },
      },
      planned,
      Date.parse(occurredAt),
    );
    if (!event) throw new Error('the follow-up was due');
    return event.detail;
  })(),
  'Lead Accepted': {
    ...base,
    eventId: 'lead-1:accept:1',
    handoffNumber: 1,
    ownerId: 'sato',
    withinSla: true,
  },
  'Lead Qualified': { ...base, eventId: 'lead-1:qualify:q', bant: { needs: '名刺管理の効率化' } },
  'Lead Converted': {
    ...base,
    eventId: 'lead-1:convert:c',
    to: 'customer',
    amount: 0,
    currency: 'JPY',
    expectedCloseDate: '2025-12-31',
  },
  'Lead Disqualified': { ...base, eventId: 'lead-1:disqualify:d', reason: '学生' },
  'Lead Recycled': {
    ...base,
    eventId: 'lead-1:recycle:r',
    reason: '時期尚早',
    nurtureAt: occurredAt,
    sequenceId: 'recycle-nurture',
  },
  'Lead Unsubscribed': { ...base, eventId: 'lead-1:unsubscribed:1', how: 'complaint' },
  'Lead Erased': { ...base, eventId: 'lead-1:erased', erasedAt: occurredAt, reason: '本人からの削除依頼' },
  'Opportunity Created': { ...base, eventId: 'lead-1:opportunity:1:created', opportunity },
  'Opportunity Phase Changed': {
    ...base,
    eventId: 'lead-1:opportunity:1:p',
    opportunity,
    from: 'first_meeting',
    to: 'proposal',
  },
  'Opportunity Won': { ...base, eventId: 'lead-1:opportunity:1:won', opportunity, channel: 'event' },
  'Opportunity Lost': {
    ...base,
    eventId: 'lead-1:opportunity:1:lost',
    opportunity,
    reason: '予算凍結',
    channel: 'import',
    nurtureAt: occurredAt,
  },
  'Lead Updated': {
    ...base,
    eventId: 'lead-1:updated:1',
    crm: { system: 'hubspot', record: { hs_lead_status: 'OPEN_DEAL' } },
    stage: 'opportunity',
    temperature: 'warm',
    changedSince: occurredAt,
  },
};

const builtEvent = (t: DetailType): AnyDomainEvent => buildDomainEvent(t, BUILT[t]) as AnyDomainEvent;

/** Events from the real producers: a hand-off, an SLA breach with reassignment, every sales action. */
const producedEvents = (): AnyDomainEvent[] => {
  const config = handoffConfigSchema.parse(demoHandoff);
  const lead = {
    leadId: 'lead-1',
    attributes: { email: 'taro@example.co.jp', lastName: '山田', employees: '2000' },
    score: { fit: 40, behaviour: 45, total: 85 },
    grade: 'A' as const,
    temperature: 'hot' as const,
    stage: 'lead' as const,
  };
  const plan = planHandoff(
    lead,
    config,
    {},
    [{ eventId: 'e1', type: 'page_view', occurredAt: NOW, points: 5, rule: null }],
    NOW,
  );
  if (!plan.ok) throw new Error(plan.message);
  const breach = onSlaTimer(
    lead,
    plan.handoff,
    config.sla,
    config,
    plan.roundRobinState,
    plan.slaCheckAt + 1,
  );
  if (!breach.due) throw new Error('expected a breach');
  const steps = [
    applySalesAction(
      { leadId: 'lead-1', stage: 'mql', handoff: breach.handoff },
      { action: 'accept', actionId: 'a', by: 'ito' },
      NOW,
    ),
    applySalesAction(
      { leadId: 'lead-1', stage: 'sal' },
      { action: 'qualify', actionId: 'q', bant: { budget: '未定' } },
      NOW,
    ),
    applySalesAction(
      { leadId: 'lead-1', stage: 'sql' },
      {
        action: 'convert',
        actionId: 'c',
        amount: 1_200_000,
        currency: 'JPY',
        expectedCloseDate: '2025-09-30',
      },
      NOW,
    ),
    applySalesAction(
      { leadId: 'lead-1', stage: 'sql' },
      { action: 'disqualify', actionId: 'd', reason: '予算なし' },
      NOW,
    ),
    applySalesAction(
      { leadId: 'lead-1', stage: 'sal' },
      { action: 'recycle', actionId: 'r', reason: '来期' },
      NOW,
      config.recycle,
    ),
  ];
  return [...plan.events, ...breach.events, ...steps.flatMap((s) => (s.ok ? s.events : []))];
};

// ---------------------------------------------------------------------------------------------

describe('the subset validator', () => {
  const schema: Schema = {
    type: 'object',
    required: ['id', 'at'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', minLength: 1 },
      at: { type: 'string', format: 'date-time' },
      n: { type: 'integer', minimum: 1 },
      kind: { enum: ['a', 'b'] },
      tags: { type: 'array', items: { type: 'string' } },
      extra: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
    },
  };
  const ok = { id: 'x', at: '2025-05-12T01:30:00.000Z' };

  it('given a valid value, when validated, then there are no problems', () => {
    expect(validate(schema, { ...ok, n: 1, kind: 'a', tags: ['t'], extra: { a: 'x', b: 2 } })).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['a missing required property', { id: 'x' }],
    ['a wrong type', { ...ok, id: 1 }],
    ['an empty string under minLength', { ...ok, id: '' }],
    ['a loose date', { ...ok, at: '2025/05/12 10:30' }],
    ['a fraction for an integer', { ...ok, n: 1.5 }],
    ['a number under the minimum', { ...ok, n: 0 }],
    ['a value outside the enum', { ...ok, kind: 'c' }],
    ['a wrong item type', { ...ok, tags: [1] }],
    ['an undeclared property', { ...ok, surprise: true }],
    ['a wrong additional property type', { ...ok, extra: { a: true } }],
    ['not an object', []],
  ])('given %s, when validated, then it is rejected', (_name, value) => {
    expect(validate(schema, value)).not.toEqual([]);
  });

  it('given a schema with a keyword the validator does not know, when used, then it throws instead of ignoring it', () => {
    expect(() => validate({ type: 'string', pattern: '^a' }, 'a')).toThrow("unsupported keyword 'pattern'");
  });
});

describe('event catalogue', () => {
  it('given the catalogue, then it lists exactly the promised detail-types from source leadloop.leads', () => {
    expect(EVENT_SOURCE).toBe('leadloop.leads');
    expect(DETAIL_TYPES).toEqual([
      'Lead Captured',
      'Lead Stage Changed',
      'Lead Temperature Changed',
      'Lead Handed Off',
      'Lead Assigned',
      'Lead SLA Breached',
      'Lead First Contacted',
      'Lead Follow-up Due',
      'Lead Accepted',
      'Lead Qualified',
      'Lead Converted',
      'Lead Disqualified',
      'Lead Recycled',
      'Lead Unsubscribed',
      'Lead Erased',
      'Opportunity Created',
      'Opportunity Phase Changed',
      'Opportunity Won',
      'Opportunity Lost',
      'Lead Updated',
    ]);
  });

  it('given the schema folder, then every file belongs to a detail-type and is named <kebab-name>.v<n>.json', () => {
    const names = new Set(DETAIL_TYPES.map(kebabName));
    for (const file of schemaFiles) {
      const match = /^([a-z-]+)\.v(\d+)\.json$/.exec(file);
      expect(match, file).not.toBeNull();
      expect(names.has(match?.[1] ?? ''), file).toBe(true);
    }
  });

  it.each(DETAIL_TYPES)(
    'given the %s schema, then it declares its detail-type, source, draft and version',
    (detailType) => {
      const { version, schema } = currentSchema(detailType);
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema['x-detail-type']).toBe(detailType);
      expect(schema['x-source']).toBe(EVENT_SOURCE);
      expect(schema.$id).toBe(`urn:leadloop:event-schema:${kebabName(detailType)}:v${version}`);
      expect(asSchema(asSchema(schema.properties, 'properties').version, 'version')).toEqual({
        const: version,
      });
      expect(schema.additionalProperties).toBe(false);
    },
  );
});

describe('sample events', () => {
  it.each(DETAIL_TYPES)('given the %s sample, then the envelope and the detail validate', (detailType) => {
    // Arrange
    const sample = readJson(new URL(`${kebabName(detailType)}.json`, SAMPLE_DIR));

    // Act
    const envelopeProblems = validate(ENVELOPE, sample);
    const detailProblems = isObject(sample)
      ? validate(schemaOf(detailType, sample.detail), sample.detail)
      : ['not an object'];

    // Assert
    expect(envelopeProblems).toEqual([]);
    expect(detailProblems).toEqual([]);
    expect(sample).toMatchObject({ 'detail-type': detailType, source: EVENT_SOURCE });
  });

  it('given the inbound CRM sales action sample, then the envelope validates and its detail parses', () => {
    const sample = readJson(new URL('crm-sales-action.json', SAMPLE_DIR));
    expect(validate(ENVELOPE, sample)).toEqual([]);
    expect(crmSalesActionEventSchema().parse(sample)).toMatchObject({
      source: CRM_EVENT_SOURCE,
      'detail-type': CRM_SALES_ACTION_DETAIL_TYPE,
      detail: { email: 'taro.yamada@example.co.jp', action: 'accept' },
    });
  });
});

describe('events built by the domain', () => {
  it.each(DETAIL_TYPES)(
    'given a %s built with buildDomainEvent, then it validates against its schema',
    (detailType) => {
      const event = builtEvent(detailType);
      expect(event).toMatchObject({ source: EVENT_SOURCE, detailType });
      expect(validate(schemaOf(detailType, event.detail), JSON.parse(JSON.stringify(event.detail)))).toEqual(
        [],
      );
    },
  );

  it('given every stage the domain knows (tql too), then a stage change to and from it and a hand-off at it validate', () => {
    for (const stage of STAGES) {
      const changed = { ...BUILT['Lead Stage Changed'], from: stage, to: stage };
      const handedOff = { ...BUILT['Lead Handed Off'], stage };
      expect(validate(currentSchema('Lead Stage Changed').schema, changed), stage).toEqual([]);
      expect(validate(currentSchema('Lead Handed Off').schema, handedOff), stage).toEqual([]);
    }
  });

  it('given every channel and channel group the domain knows, then Lead Captured, Opportunity Won and Lost carrying it validate at the version the producers give them: v1 for every value v1 names, v2 only for the later ones', () => {
    const v1Values = (detailType: DetailType) => {
      const schema = schemaOf(detailType, { version: 1 });
      return asSchema(asSchema(schema.properties, 'properties').channel, 'channel').enum as string[];
    };
    const cases: [DetailType, readonly string[]][] = [
      ['Lead Captured', CHANNELS],
      ['Opportunity Won', CHANNEL_GROUPS],
      ['Opportunity Lost', CHANNEL_GROUPS],
    ];
    for (const [detailType, values] of cases) {
      expect(new Set(v1Values(detailType)), detailType).toEqual(
        new Set(values.filter((v) => !CHANNELS_SINCE_V2.has(v))),
      );
      for (const channel of values) {
        const version = channelEventVersion(channel as Channel | ChannelGroup);
        expect(version, channel).toBe(CHANNELS_SINCE_V2.has(channel) ? 2 : 1);
        const detail = { ...BUILT[detailType], channel, version };
        expect(validate(schemaOf(detailType, detail), detail), `${detailType} ${channel}`).toEqual([]);
        // The same event labelled v1 is refused when v1 cannot name its channel.
        const asV1 = validate(schemaOf(detailType, { version: 1 }), { ...detail, version: 1 });
        expect(asV1.length === 0, `${detailType} ${channel} as v1`).toBe(version === 1);
      }
    }
  });

  it('given a hand-off, an SLA breach and every sales action, then every event the producers write validates', () => {
    // Act
    const events = producedEvents();

    // Assert
    expect(new Set(events.map((e) => e.detailType)).size).toBe(9); // all but captured, temperature, unsubscribed
    for (const event of events) {
      const problems = validate(
        schemaOf(event.detailType, event.detail),
        JSON.parse(JSON.stringify(event.detail)),
      );
      expect(problems, `${event.detailType} ${event.detail.eventId}`).toEqual([]);
    }
  });
});

describe('breaking changes are rejected', () => {
  /** A value of a different JSON type than `value`, so the schema's type or enum check must fail. */
  const wrongType = (value: unknown): Json => (typeof value === 'string' ? 42 : 'not-the-right-type');

  it.each(DETAIL_TYPES)(
    'given a %s detail, when any required field is removed, then it fails validation',
    (detailType) => {
      const detail = JSON.parse(JSON.stringify(BUILT[detailType])) as { [key: string]: Json };
      const schema = schemaOf(detailType, detail);
      const required = (schema.required as string[]) ?? [];
      expect(required.length).toBeGreaterThan(4);
      for (const field of required) {
        const { [field]: _removed, ...broken } = detail;
        expect(validate(schema, broken), `without ${field}`).toContain(`$: missing required '${field}'`);
      }
    },
  );

  it.each(DETAIL_TYPES)(
    'given a %s detail, when any field changes type, then it fails validation',
    (detailType) => {
      const detail = JSON.parse(JSON.stringify(BUILT[detailType])) as { [key: string]: Json };
      const schema = schemaOf(detailType, detail);
      for (const [field, value] of Object.entries(detail)) {
        expect(validate(schema, { ...detail, [field]: wrongType(value) }), `${field} retyped`).not.toEqual(
          [],
        );
      }
    },
  );

  it.each(DETAIL_TYPES)(
    'given a %s detail, when an undeclared field is added, then it fails validation',
    (detailType) => {
      const detail = { ...BUILT[detailType], undeclared: 'x' };
      expect(validate(schemaOf(detailType, detail), detail)).toContain("$: unexpected property 'undeclared'");
    },
  );

  it('given a hand-off whose owner lost its email, when validated, then the nested required field is enforced', () => {
    const { email: _email, ...ownerWithoutEmail } = owner;
    const detail = { ...BUILT['Lead Handed Off'], owner: ownerWithoutEmail };
    expect(validate(currentSchema('Lead Handed Off').schema, detail)).toContain(
      "$.owner: missing required 'email'",
    );
  });

  it('given a hand-off whose CRM record holds an object, when validated, then it is rejected', () => {
    const detail = {
      ...BUILT['Lead Handed Off'],
      crm: { system: 'salesforce', record: { Address: { city: '大阪市' } } },
    };
    expect(validate(currentSchema('Lead Handed Off').schema, detail)).not.toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Operations events: about the product's own health, not a lead (no leadId), from their producer.
// ---------------------------------------------------------------------------------------------

describe('operations events', () => {
  const OPS_SCHEMA_DIR = new URL('../../../shared/domain/operations/event-schemas/', import.meta.url);
  const schema = asSchema(readJson(new URL('sweeper-lagging.v1.json', OPS_SCHEMA_DIR)), 'sweeper-lagging');
  const built = (): { [key: string]: Json } => {
    const detail = sweeperLagging(
      {
        lagSeconds: 720,
        oldestDueAt: NOW - 720_000,
        oldestShard: 'DUE#3',
        shards: 8,
        due: 4100,
        done: 756,
        failed: 1,
        stoppedEarly: true,
      },
      { thresholdSeconds: 600, quietMinutes: 60 },
      NOW,
    );
    if (!detail) throw new Error('expected a lagging detail');
    return JSON.parse(JSON.stringify(detail)) as { [key: string]: Json };
  };

  it('given the Sweeper Lagging schema, then it declares its detail-type, source, draft and version', () => {
    expect(readdirSync(OPS_SCHEMA_DIR)).toEqual(['sweeper-lagging.v1.json']);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema['x-detail-type']).toBe(SWEEPER_LAGGING);
    expect(schema['x-source']).toBe(SWEEPER_EVENT_SOURCE);
    expect(SWEEPER_EVENT_SOURCE).toBe('leadloop.sweeper');
    expect(schema.$id).toBe(`urn:leadloop:event-schema:${kebabName(SWEEPER_LAGGING)}:v1`);
    expect(asSchema(asSchema(schema.properties, 'properties').version, 'version')).toEqual({ const: 1 });
    expect(schema.additionalProperties).toBe(false);
  });

  it('given the Sweeper Lagging sample, then the envelope and the detail validate', () => {
    const sample = readJson(new URL('sweeper-lagging.json', SAMPLE_DIR));
    expect(validate(ENVELOPE, sample)).toEqual([]);
    expect(isObject(sample) ? validate(schema, sample.detail) : ['not an object']).toEqual([]);
    expect(sample).toMatchObject({ 'detail-type': SWEEPER_LAGGING, source: SWEEPER_EVENT_SOURCE });
  });

  it('given a lagging sweep, when the domain builds the detail, then it validates; an on-time sweep builds none', () => {
    expect(validate(schema, built())).toEqual([]);
    expect(
      sweeperLagging(
        {
          lagSeconds: 600,
          oldestDueAt: NOW - 600_000,
          oldestShard: 'DUE#0',
          shards: 8,
          due: 1,
          done: 1,
          failed: 0,
          stoppedEarly: false,
        },
        { thresholdSeconds: 600, quietMinutes: 60 },
        NOW,
      ),
    ).toBeUndefined();
  });

  it('given a Sweeper Lagging detail, when a required field is removed, retyped or an undeclared one added, then it fails validation', () => {
    const detail = built();
    const required = (schema.required as string[]) ?? [];
    expect(required.length).toBeGreaterThan(4);
    for (const field of required) {
      const { [field]: _removed, ...broken } = detail;
      expect(validate(schema, broken), `without ${field}`).toContain(`$: missing required '${field}'`);
    }
    for (const [field, value] of Object.entries(detail)) {
      const wrong = typeof value === 'string' ? 42 : 'not-the-right-type';
      expect(validate(schema, { ...detail, [field]: wrong }), `${field} retyped`).not.toEqual([]);
    }
    expect(validate(schema, { ...detail, undeclared: 'x' })).toContain("$: unexpected property 'undeclared'");
  });
});
