import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '#config/errors';
import { type HandoffConfigInput, handoffConfigSchema, hubspotContactMapping } from '#config/handoff';
import { handoff as demoHandoff } from '../../../config/handoff.ts';

const minimal: HandoffConfigInput = {
  owners: [{ ownerId: 'suzuki', name: '鈴木 花子', email: 'h.suzuki@example.co.jp', team: 'smb' }],
  teams: [{ teamId: 'smb', name: 'SMB営業部' }],
  defaultTeam: 'smb',
};

/** Parses and returns the problem lines (`handoff.<path>: <message>`), or [] when valid. */
const problems = (input: unknown): string[] => {
  try {
    parseConfig(handoffConfigSchema, input, 'handoff');
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
  }
};

describe('handoff config', () => {
  it('given the demo config, when parsed, then it is valid with Salesforce active and the Kansai rule first', () => {
    // Act
    const config = parseConfig(handoffConfigSchema, demoHandoff, 'handoff');

    // Assert
    expect(config.crm.system).toBe('salesforce');
    expect(config.assignmentRules[0]).toMatchObject({ id: 'kansai-territory', assignTo: { team: 'kansai' } });
    expect(config.owners.map((o) => o.name)).toEqual(
      expect.arrayContaining(['佐藤 健', '鈴木 花子', '高橋 誠']),
    );
    expect(config.targets[0]).toMatchObject({
      kind: 'webhook',
      url: 'https://hooks.example.co.jp/leadloop/handoff',
    });
  });

  it('given only owners and teams, when parsed, then the documented defaults apply', () => {
    const config = parseConfig(handoffConfigSchema, minimal, 'handoff');
    expect(config).toMatchObject({
      trigger: { on: 'hot' },
      sla: { hours: 24, businessHours: false, reassignOnBreach: true, maxReassignments: 1 },
      crm: { system: 'none', mapping: { fields: {}, summary: { timeZone: 'Asia/Tokyo', maxActivities: 5 } } },
      recycle: { nurtureAfterDays: 30, sequenceId: 'recycle-nurture' },
      targets: [],
      assignmentRules: [],
    });
    expect(config.owners[0]?.available).toBe(true);
    expect(config.sla.window).toEqual({
      timeZone: 'Asia/Tokyo',
      days: [1, 2, 3, 4, 5],
      start: '09:00',
      end: '18:00',
      skipJapaneseHolidays: true,
    });
  });

  it('given the HubSpot preset, when used as the mapping, then it parses', () => {
    expect(problems({ ...minimal, crm: { system: 'hubspot', mapping: hubspotContactMapping } })).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    [
      'an unknown mapping source',
      { ...minimal, crm: { system: 'salesforce', mapping: { fields: { Grade__c: 'grad' } } } },
      "handoff.crm.mapping.fields.Grade__c.source: unknown source 'grad'",
    ],
    [
      'an unknown lead attribute',
      {
        ...minimal,
        crm: { system: 'salesforce', mapping: { fields: { Company: { source: 'attribute:companyName' } } } },
      },
      "handoff.crm.mapping.fields.Company.source: unknown lead attribute 'companyName'",
    ],
    [
      'a required field without fallback',
      {
        ...minimal,
        crm: {
          system: 'salesforce',
          mapping: { fields: { LastName: { source: 'attribute:lastName', required: true } } },
        },
      },
      'handoff.crm.mapping.fields.LastName.fallback: a required CRM field needs a fallback',
    ],
    [
      'a typo in a field spec',
      {
        ...minimal,
        crm: {
          system: 'salesforce',
          mapping: { fields: { Email: { source: 'attribute:email', maxLenght: 80 } } },
        },
      },
      'handoff.crm.mapping.fields.Email',
    ],
    [
      'an owner in an unknown team',
      { ...minimal, owners: [{ ...minimal.owners[0], team: 'kanto' }] },
      "handoff.owners[0].team: unknown team 'kanto'",
    ],
    [
      'a duplicate owner',
      { ...minimal, owners: [minimal.owners[0], minimal.owners[0]] },
      "handoff.owners[1].ownerId: duplicate owner 'suzuki'",
    ],
    [
      'a rule naming an unknown owner',
      {
        ...minimal,
        assignmentRules: [{ id: 'vip', when: { industry: ['製薬'] }, assignTo: { owner: 'nobody' } }],
      },
      "handoff.assignmentRules[0].assignTo.owner: unknown owner 'nobody'",
    ],
    [
      'a rule without conditions',
      { ...minimal, assignmentRules: [{ id: 'all', when: {}, assignTo: { team: 'smb' } }] },
      'handoff.assignmentRules[0].when: a rule needs at least one condition',
    ],
    [
      'an http webhook',
      { ...minimal, targets: [{ kind: 'webhook', name: 'crm', url: 'http://hooks.example.co.jp/x' }] },
      'handoff.targets[0].url: must be an https:// URL',
    ],
    ['an unknown SLA option', { ...minimal, sla: { hours: 24, reassignOnBreech: true } }, 'handoff.sla'],
    [
      'a business window that closes before it opens',
      { ...minimal, sla: { businessHours: true, window: { start: '18:00', end: '09:00' } } },
      'handoff.sla.window.end: start must be before end',
    ],
    [
      'an unknown time zone',
      { ...minimal, sla: { window: { timeZone: 'Asia/Tokio' } } },
      'handoff.sla.window.timeZone: unknown IANA time zone',
    ],
    [
      'a trigger on a sales stage',
      { ...minimal, trigger: { on: 'stage', stage: 'sql' } },
      'handoff.trigger.stage',
    ],
  ])('given %s, when parsed, then the error names the field', (_name, input, expected) => {
    expect(problems(input).join('\n')).toContain(expected);
  });

  it('given a valid config, when parsed by the schema directly, then the output feeds the domain unchanged', () => {
    const parsed = handoffConfigSchema.parse(demoHandoff);
    expect(parsed.crm.mapping.fields.OwnerId).toEqual({
      source: 'owner.crmUserId',
      transforms: ['trim'],
      type: 'string',
      required: false,
    });
  });
});
