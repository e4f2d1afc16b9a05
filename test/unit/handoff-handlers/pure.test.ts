import { describe, expect, it } from 'vitest';
import { handoffConfigSchema } from '#config/handoff';
import { handoffTargetRules, handoffTriggerPattern } from '#infra/catalog';
import { matchesPattern } from '#local/event-pattern';
import { handoff as demoHandoff } from '../../../config/handoff.ts';
import { csvCell, toCsv } from '../../../functions/call-list/handler.ts';

describe('call-list CSV cells', () => {
  it.each([
    ['=1+2', `"'=1+2"`],
    ['+81 3 1234', `"'+81 3 1234"`],
    ['-5', `"'-5"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\tTAB', `"'\tTAB"`],
    ['\rCR', `"'\rCR"`],
    ['株式会社"サンプル", 東京', `"株式会社""サンプル"", 東京"`],
    ['改行\nあり', `"改行\nあり"`],
  ])(
    'given the text %j, when written as a cell, then it is quoted and cannot start a formula',
    (value, cell) => {
      expect(csvCell(value)).toBe(cell);
    },
  );

  it('given numbers and missing values, when written, then numbers stay numeric and missing cells are empty', () => {
    expect(csvCell(-12)).toBe('-12');
    expect(csvCell(undefined)).toBe('');
  });

  it('given rows, when the CSV is built, then it starts with a BOM and ends every row with CRLF', () => {
    const csv = toCsv([
      {
        leadId: 'l1',
        email: 'a@example.co.jp',
        score: 90,
        temperature: 'hot',
        stage: 'mql',
        lastActivityAt: 'x',
      },
    ]);
    expect(csv.startsWith('\uFEFFleadId,')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.split('\r\n')).toHaveLength(3);
  });
});

// The call-list cursor is the list indexes' cursor: test/unit/store/list-index.test.ts.

describe('hand-off trigger pattern', () => {
  const event = (detailType: string, to: string) => ({
    source: 'leadloop.leads',
    'detail-type': detailType,
    detail: { to },
  });

  it('given the hot trigger, when events pass, then only a temperature change to hot matches', () => {
    const pattern = handoffTriggerPattern({ on: 'hot' });
    expect(matchesPattern(pattern, event('Lead Temperature Changed', 'hot'))).toBe(true);
    expect(matchesPattern(pattern, event('Lead Temperature Changed', 'warm'))).toBe(false);
    expect(matchesPattern(pattern, event('Lead Stage Changed', 'hot'))).toBe(false);
  });

  it('given a stage trigger at lead, when a lead jumps straight to MQL, then it still matches', () => {
    const pattern = handoffTriggerPattern({ on: 'stage', stage: 'lead' });
    expect(matchesPattern(pattern, event('Lead Stage Changed', 'lead'))).toBe(true);
    expect(matchesPattern(pattern, event('Lead Stage Changed', 'mql'))).toBe(true);
    expect(matchesPattern(pattern, event('Lead Stage Changed', 'sal'))).toBe(false);
  });
});

describe('hand-off target rules', () => {
  it('given a Salesforce target asking for every event, when rules are built, then only events it can apply to a Lead are routed (and Lead Erased, always, as a delete)', () => {
    const config = handoffConfigSchema.parse({
      ...demoHandoff,
      targets: [
        {
          kind: 'salesforce',
          name: 'sf',
          instanceUrl: 'https://example.my.salesforce.com',
          oauth: { clientIdSecretName: 'a', clientSecretSecretName: 'b' },
          events: ['Lead Handed Off', 'Lead Assigned', 'Lead SLA Breached', 'Lead Accepted'],
        },
      ],
    });
    expect(handoffTargetRules(config.targets).map((r) => [r.detailTypes, r.operation])).toEqual([
      [['Lead Handed Off'], 'upsert'],
      [['Lead Assigned'], 'update_owner'],
      [['Lead Erased'], 'delete'],
    ]);
  });
});
