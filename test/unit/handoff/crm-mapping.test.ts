import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crmMappingSchema, hubspotContactMapping, salesforceLeadMapping } from '#config/handoff';
import {
  type CrmLeadView,
  crmOperation,
  leadSummary,
  mapLeadToCrm,
  parseLooseNumber,
  parseMappingSource,
  truncateChars,
} from '#domain/handoff/crm-mapping';
import type { TimelineEntry } from '#domain/lead/types';

const salesforce = crmMappingSchema.parse(salesforceLeadMapping);
const hubspot = crmMappingSchema.parse(hubspotContactMapping);

const lead = (overrides: Partial<CrmLeadView> = {}): CrmLeadView => ({
  leadId: 'lead-1',
  attributes: {
    email: ' Taro.Yamada@Example.co.jp ',
    firstName: '太郎',
    lastName: '山田',
    company: '株式会社サンプル商事',
    title: '情報システム部 部長',
    phone: '０３-１２３４-５６７８',
    industry: '製造業',
    employees: '1,000名以上',
  },
  score: { fit: 40, behaviour: 45, total: 85 },
  grade: 'A',
  temperature: 'hot',
  stage: 'mql',
  channel: 'webinar',
  utm: { source: 'google', medium: 'cpc' },
  owner: { ownerId: 'sato', name: '佐藤 健', email: 'k.sato@example.co.jp', crmUserId: '0055g00000AAAAAAA1' },
  ...overrides,
});

const TOKYO_2025_05_12_1000 = Date.UTC(2025, 4, 12, 1, 0); // 10:00 JST

const activity: TimelineEntry[] = [
  {
    eventId: 'e1',
    type: 'page_view',
    occurredAt: TOKYO_2025_05_12_1000,
    points: 5,
    rule: 'pricing',
    title: '料金プラン',
    url: 'https://www.example.co.jp/pricing',
  },
  {
    eventId: 'e2',
    type: 'download',
    occurredAt: TOKYO_2025_05_12_1000 + 3_600_000,
    points: 20,
    rule: 'wp',
    title: '導入事例集',
  },
  {
    eventId: 'e0',
    type: 'email_open',
    occurredAt: TOKYO_2025_05_12_1000 - 86_400_000,
    points: 1,
    rule: null,
  },
];

const deal: Partial<CrmLeadView> = {
  stage: 'opportunity',
  channel: 'event',
  bantch: {
    budget: '年間500万円',
    authority: '情報システム部長が決裁',
    needs: '名刺管理とMAの統合',
    timing: '2025年度下期',
    competitor: '競合A社',
    humanResources: '専任担当者1名',
  },
  opportunity: {
    phase: 'quote',
    phaseLabel: '見積',
    amount: 4_800_000,
    currency: 'JPY',
    probability: 50,
    expectedCloseDate: '2025-09-30',
  },
  // 2025-05-12 23:30 UTC is already 05-13 in Tokyo.
  lastActivityAt: Date.UTC(2025, 4, 12, 23, 30),
};

describe('CRM sync fields (deals)', () => {
  it('given a lead in a deal with BANTCH, when mapped for Salesforce, then Status, LeadSource (first-touch channel, not utm), last activity date (Tokyo) and BANTCH fields are set in Japanese', () => {
    // Act
    const record = mapLeadToCrm(lead(deal), salesforce, []);

    // Assert
    expect(record).toMatchObject({
      Status: 'Closed - Converted',
      LeadSource: 'Trade Show',
      Last_Activity_Date__c: '2025-05-13',
      Budget__c: '年間500万円',
      Authority__c: '情報システム部長が決裁',
      Needs__c: '名刺管理とMAの統合',
      Timing__c: '2025年度下期',
      Competitor__c: '競合A社',
      Human_Resources__c: '専任担当者1名',
      Opportunity_Phase__c: '見積',
      Opportunity_Amount__c: 4_800_000,
    });
  });

  it('given the same lead, when mapped for HubSpot, then the same facts land in its property names', () => {
    // Act
    const record = mapLeadToCrm(lead(deal), hubspot, []);

    // Assert
    expect(record).toMatchObject({
      hs_lead_status: 'OPEN_DEAL',
      lifecyclestage: 'opportunity',
      leadloop_lead_source: 'event',
      leadloop_last_activity_date: '2025-05-13',
      leadloop_budget: '年間500万円',
      leadloop_authority: '情報システム部長が決裁',
      leadloop_needs: '名刺管理とMAの統合',
      leadloop_timing: '2025年度下期',
      leadloop_competitor: '競合A社',
      leadloop_human_resources: '専任担当者1名',
      leadloop_deal_phase: '見積',
      leadloop_deal_amount: 4_800_000,
    });
  });

  it.each([
    ['sal', 'Working - Contacted'],
    ['customer', 'Closed - Converted'],
    ['recycled', 'Closed - Not Converted'],
    ['disqualified', 'Closed - Not Converted'],
  ] as const)('given stage %s, when mapped for Salesforce, then Status is %s', (stage, status) => {
    expect(mapLeadToCrm(lead({ stage }), salesforce, []).Status).toBe(status);
  });

  it('given a lead with no BANTCH and no deal yet, when mapped, then those fields are left out (an update never blanks them)', () => {
    const record = mapLeadToCrm(lead(), salesforce, []);
    for (const field of [
      'Budget__c',
      'Opportunity_Phase__c',
      'Opportunity_Amount__c',
      'Last_Activity_Date__c',
    ])
      expect(record).not.toHaveProperty(field);
  });

  it('given the new source names, when parsed, then they are accepted and a typo is named', () => {
    expect(parseMappingSource('bantch.humanResources')).toEqual({ kind: 'bantch', part: 'humanResources' });
    expect(parseMappingSource('opportunity.phaseLabel')).toEqual({ kind: 'opportunity', part: 'phaseLabel' });
    expect(parseMappingSource('lastActivityDate')).toEqual({ kind: 'lastActivityDate' });
    expect(parseMappingSource('bantch.budjet')).toHaveProperty('error');
  });
});

describe('Salesforce Lead mapping', () => {
  it('given a Japanese lead, when mapped, then names and company pass through unchanged and scores land in custom fields', () => {
    // Act
    const record = mapLeadToCrm(lead(), salesforce, activity);

    // Assert
    expect(record).toMatchObject({
      FirstName: '太郎',
      LastName: '山田',
      Company: '株式会社サンプル商事',
      Email: 'taro.yamada@example.co.jp',
      Phone: '03-1234-5678',
      Title: '情報システム部 部長',
      LeadSource: 'Webinar',
      Status: 'Open - Not Contacted',
      Industry: '製造業',
      NumberOfEmployees: 1000,
      Rating: 'Hot',
      Lead_Score__c: 85,
      Fit_Score__c: 40,
      Behaviour_Score__c: 45,
      Grade__c: 'A',
      OwnerId: '0055g00000AAAAAAA1',
    });
  });

  it('given a lead without last name or company, when mapped, then the required fields fall back to (不明)', () => {
    // Arrange
    const anonymous = lead({ attributes: { email: 'someone@example.com', lastName: '   ' } });

    // Act
    const record = mapLeadToCrm(anonymous, salesforce, []);

    // Assert
    expect(record.LastName).toBe('(不明)');
    expect(record.Company).toBe('(不明)');
    expect(record).not.toHaveProperty('FirstName');
    expect(record).not.toHaveProperty('NumberOfEmployees');
  });

  it('given a company name longer than 255 characters, when mapped, then it is cut to 255 characters, not bytes', () => {
    // Arrange
    const company = '株式会社'.repeat(100); // 400 characters, 1,200 bytes in UTF-8

    // Act
    const record = mapLeadToCrm(lead({ attributes: { company } }), salesforce, []);

    // Assert
    expect(record.Company).toBe(company.slice(0, 255));
    expect(String(record.Company)).toHaveLength(255);
  });

  it('given a lead without a channel or owner, when mapped, then LeadSource falls back to Web and OwnerId is left out', () => {
    // Act
    const record = mapLeadToCrm(lead({ channel: undefined, owner: undefined }), salesforce, []);

    // Assert
    expect(record.LeadSource).toBe('Web');
    expect(record).not.toHaveProperty('OwnerId');
  });

  it.each([
    ['cold', 'Cold'],
    ['warm', 'Warm'],
    ['hot', 'Hot'],
  ] as const)('given a %s lead, when mapped, then Rating is %s', (temperature, rating) => {
    expect(mapLeadToCrm(lead({ temperature }), salesforce, []).Rating).toBe(rating);
  });

  it('given recent activity, when mapped, then Description has the score breakdown and the newest activity first in Tokyo time', () => {
    // Act
    const description = String(mapLeadToCrm(lead(), salesforce, activity).Description);

    // Assert
    expect(description.split('\n')).toEqual([
      'Lead score 85 (fit 40 + behaviour 45), grade A, hot.',
      'Recent activity (Asia/Tokyo):',
      '- 2025-05-12 11:00 download 導入事例集 (+20)',
      '- 2025-05-12 10:00 page_view 料金プラン https://www.example.co.jp/pricing (+5)',
      '- 2025-05-11 10:00 email_open (+1)',
    ]);
  });
});

describe('a lead awaiting its double opt-in confirmation', () => {
  it('given a lead whose person has not confirmed, when mapped for Salesforce or HubSpot, then the address and phone are left out (not blanked) and the rest is as for any lead', () => {
    // Arrange
    const unconfirmed = lead({ awaitingConfirmation: true });

    // Act
    const sf = mapLeadToCrm(unconfirmed, salesforce, []);
    const hs = mapLeadToCrm(unconfirmed, hubspot, []);

    // Assert
    expect(sf).not.toHaveProperty('Email');
    expect(sf).not.toHaveProperty('Phone');
    expect(hs).not.toHaveProperty('email');
    expect(hs).not.toHaveProperty('phone');
    expect(JSON.stringify([sf, hs]).toLowerCase()).not.toContain('taro.yamada@example.co.jp');
    expect(sf).toMatchObject({ LastName: '山田', Company: '株式会社サンプル商事' });
    expect(mapLeadToCrm(lead({ awaitingConfirmation: false }), salesforce, [])).toMatchObject({
      Email: 'taro.yamada@example.co.jp',
      Phone: '03-1234-5678',
    });
  });
});

describe('HubSpot contact mapping', () => {
  it('given a Japanese lead, when mapped, then contact properties use HubSpot names and values', () => {
    // Act
    const record = mapLeadToCrm(lead({ stage: 'sql' }), hubspot, activity);

    // Assert
    expect(record).toMatchObject({
      firstname: '太郎',
      lastname: '山田',
      email: 'taro.yamada@example.co.jp',
      company: '株式会社サンプル商事',
      jobtitle: '情報システム部 部長',
      industry: '製造業',
      numemployees: 1000,
      hs_lead_status: 'IN_PROGRESS',
      lifecyclestage: 'salesqualifiedlead',
      hubspot_owner_id: '0055g00000AAAAAAA1',
      leadloop_score: 85,
      leadloop_grade: 'A',
    });
    expect(String(record.leadloop_summary)).toContain('Lead score 85');
  });

  it('given any stage, when mapped, then hs_lead_status and lifecyclestage are HubSpot values, never raw stage names', () => {
    const stages = [
      'subscriber',
      'lead',
      'mql',
      'sal',
      'sql',
      'opportunity',
      'customer',
      'recycled',
      'disqualified',
    ] as const;
    for (const stage of stages) {
      const record = mapLeadToCrm(lead({ stage }), hubspot, []);
      expect(record.hs_lead_status).toMatch(/^[A-Z_]+$/);
      expect([
        'subscriber',
        'lead',
        'marketingqualifiedlead',
        'salesqualifiedlead',
        'opportunity',
        'customer',
        'other',
      ]).toContain(record.lifecyclestage);
    }
  });
});

describe('parseLooseNumber', () => {
  it.each([
    ['250', 250],
    ['100-499', 100],
    ['100〜499名', 100],
    ['1,000名以上', 1000],
    ['１０００人', 1000],
    ['5万人', 50000],
    ['約300名', 300],
    ['10k+', 10000],
    ['不明', undefined],
    ['', undefined],
  ])('given "%s", when parsed, then %s', (text, expected) => {
    expect(parseLooseNumber(text)).toBe(expected);
  });

  it('given any whole number written with thousands separators, when parsed, then the number comes back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (n) => {
        expect(parseLooseNumber(n.toLocaleString('en-US'))).toBe(n);
      }),
    );
  });
});

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('truncateChars', () => {
  it('given an emoji at the cut, when truncated, then the surrogate pair is never split', () => {
    expect(truncateChars('ab😀c', 3)).toBe('ab');
  });

  it('given any string and limit, when truncated, then the result is a prefix within the limit and whole strings under it are kept', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 0, max: 40 }), (s, max) => {
        const out = truncateChars(s, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(s.startsWith(out)).toBe(true);
        expect(out).not.toMatch(LONE_SURROGATE);
        if (s.length <= max) expect(out).toBe(s);
        else expect(out.length).toBeGreaterThanOrEqual(max - 1);
      }),
    );
  });
});

describe('parseMappingSource', () => {
  it.each([
    'attribute:company',
    'score.fit',
    'score.behaviour',
    'score.total',
    'grade',
    'temperature',
    'stage',
    'owner.crmUserId',
    'const:Web',
    'summary',
    'utm.source',
  ])('given the known source %s, when parsed, then it is accepted', (source) => {
    expect(parseMappingSource(source)).not.toHaveProperty('error');
  });

  it.each(['attribute:nam', 'score.totl', 'owner', 'utm.referrer', 'Score.total', ''])(
    'given the unknown source "%s", when parsed, then an error names it',
    (source) => {
      const parsed = parseMappingSource(source);
      expect(parsed).toHaveProperty('error');
      expect('error' in parsed && parsed.error).toContain(`'${source.replace(/^attribute:/, '')}'`);
    },
  );

  it('given a const source, when mapped, then the literal value is written', () => {
    const mapping = crmMappingSchema.parse({ fields: { LeadSource: 'const:Web Form' } });
    expect(mapLeadToCrm(lead(), mapping, [])).toEqual({ LeadSource: 'Web Form' });
  });
});

describe('leadSummary', () => {
  it('given more activity than the limit, when summarised, then only the newest entries are listed', () => {
    const text = leadSummary(lead({ grade: undefined }), activity, {
      timeZone: 'Asia/Tokyo',
      maxActivities: 1,
    });
    expect(text).toBe(
      'Lead score 85 (fit 40 + behaviour 45), hot.\nRecent activity (Asia/Tokyo):\n- 2025-05-12 11:00 download 導入事例集 (+20)',
    );
  });
});

describe('CRM operations per event', () => {
  it('given the published events, when mapped to CRM operations, then a hand-off upserts, a reassignment moves the owner and Lead Erased deletes', () => {
    expect(crmOperation('Lead Handed Off')).toBe('upsert');
    expect(crmOperation('Lead Assigned')).toBe('update_owner');
    expect(crmOperation('Lead Erased')).toBe('delete');
    expect(crmOperation('Lead SLA Breached')).toBe('notify');
  });
});
