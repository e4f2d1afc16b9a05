import { describe, expect, it } from 'vitest';
import { handoffConfigSchema } from '#config/handoff';
import { csvCell } from '#http/csv';
import { handoffTargetRules, handoffTriggerPattern } from '#infra/catalog';
import { matchesPattern } from '#local/event-pattern';
import { handoff as demoHandoff } from '../../../config/handoff.ts';
import { toCsv } from '../../../functions/call-list/handler.ts';

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

  // Excel reads digits as a number even when quoted ("0312345678" → 312345678); ="…" is shown as the text.
  it.each([
    ['0312345678', '="0312345678"'],
    ['09012345678', '="09012345678"'],
    ['0600001', '="0600001"'],
    ['+81312345678', '="+81312345678"'],
    ['0', '="0"'],
    ['123', '="123"'],
    // Full-width digits too (Excel in Japan takes them for a number when typed into a cell, KB 401666).
    ['０３１２３４５６７８', '="０３１２３４５６７８"'],
    ['０３1234５６７８', '="０３1234５６７８"'],
    ['9'.repeat(255), `="${'9'.repeat(255)}"`],
  ])(
    'given the digits-only text %j, when written, then it is the text formula %j Excel keeps as text',
    (value, cell) => {
      expect(csvCell(value)).toBe(cell);
    },
  );

  it.each([
    // Not digits only: written as before (quoted, defused when it starts like a formula).
    ['03-1234-5678', '"03-1234-5678"'],
    ['+81 3 1234 5678', `"'+81 3 1234 5678"`],
    ['++81312345678', `"'++81312345678"`],
    ['+', `"'+"`],
    ['-0312345678', `"'-0312345678"`],
    ['0312345678 ', '"0312345678 "'],
    ['1.5', '"1.5"'],
    ['', '""'],
    // Text that looks like the ="…" form is user text: defused, never passed through as a formula.
    ['="0312345678"', `"'=""0312345678"""`],
    ['="abc"', `"'=""abc"""`],
    [
      '=HYPERLINK("http://evil.example","0312345678")',
      `"'=HYPERLINK(""http://evil.example"",""0312345678"")"`,
    ],
    ['03"12', '"03""12"'],
    ['0312345678",=1+1,"', `"0312345678"",=1+1,"""`],
    // Beyond Excel's 255-character limit on a text constant in a formula: plain quoted text.
    ['9'.repeat(256), `"${'9'.repeat(256)}"`],
  ])('given the text %j, when written, then it is the quoted cell %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('given a lead whose phone is digits only, when the call list is written, then only the phone cell is a text formula', () => {
    const csv = toCsv([
      {
        leadId: 'l1',
        email: 'a@example.co.jp',
        company: '株式会社0120',
        phone: '0312345678',
        score: 90,
        temperature: 'hot',
        stage: 'mql',
        lastActivityAt: 'x',
      },
    ]);
    expect(csv.split('\r\n')[1]).toBe(
      '"l1",,,"株式会社0120",,,"a@example.co.jp",="0312345678",,90,"hot","mql",,"x"',
    );
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
