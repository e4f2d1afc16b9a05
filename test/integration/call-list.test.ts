import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { type ListLeadSpec, listLead } from '../support/fixtures.ts';
import { startTestRuntime } from '../support/runtime.ts';
import { api } from './handoff-support.ts';

let runtime: Runtime;
const T = Date.UTC(2025, 4, 12, 1, 0);

type Spec = ListLeadSpec;
const leadOf = (s: Spec) => listLead(s, T);

const LEADS: Spec[] = [
  { id: 'cl-warm-45', score: 45, temperature: 'warm', stage: 'lead', phone: '0312345678' },
  { id: 'cl-hot-85-old', score: 85, temperature: 'hot', activityAt: T - 3_600_000, phone: '+81312345678' },
  { id: 'cl-hot-95', score: 95, temperature: 'hot', company: '=HYPERLINK("http://evil.example","押して")' },
  { id: 'cl-warm-60', score: 60, temperature: 'warm', stage: 'recycled', lastName: '+81 "渡辺", 次郎' },
  { id: 'cl-hot-85-new', score: 85, temperature: 'hot', activityAt: T + 3_600_000 },
  { id: 'cl-hot-85-mid', score: 85, temperature: 'hot', activityAt: T, phone: '+81-3-1234-5678' },
  // Not on the call list: cold, already with sales, owned by sales, out of the funnel.
  { id: 'cl-cold-10', score: 10, temperature: 'cold', stage: 'lead' },
  { id: 'cl-hot-owned', score: 99, temperature: 'hot', owner: 'sato' },
  { id: 'cl-hot-sal', score: 97, temperature: 'hot', stage: 'sal' },
  { id: 'cl-warm-dq', score: 70, temperature: 'warm', stage: 'disqualified' },
];
// Hot first, then by score band (10 points): 95 (band 90), the three 85s (band 80, in the index's stable order).
const EXPECTED_BANDS = [
  ['cl-hot-95'],
  ['cl-hot-85-mid', 'cl-hot-85-new', 'cl-hot-85-old'],
  ['cl-warm-60'],
  ['cl-warm-45'],
];
const EXPECTED_COUNT = EXPECTED_BANDS.flat().length;
const inBandOrder = (ids: readonly string[]) => {
  let at = 0;
  for (const band of EXPECTED_BANDS) {
    expect([...ids.slice(at, at + band.length)].sort()).toEqual(band);
    at += band.length;
  }
  expect(ids).toHaveLength(at);
};

beforeAll(async () => {
  runtime = await startTestRuntime();
  const { createLead } = await import('#store/leads');
  for (const spec of LEADS) expect(await createLead(leadOf(spec), { at: T })).toBe('created');
});
afterAll(async () => {
  await runtime.stop();
});

interface Page {
  items: { leadId: string; score: number; company?: string; lastActivityAt: string }[];
  nextCursor: string | null;
}
const getPage = async (query: string): Promise<Page> => {
  const response = await api(runtime).opsGet(`/v1/ops/call-list${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Page;
};

describe('call list', () => {
  it('given warm and hot leads, when the call list is read, then leads not yet with sales come hot first, by score band', async () => {
    // Act
    const page = await getPage('');

    // Assert
    inBandOrder(page.items.map((i) => i.leadId));
    expect(page.items[0]).toMatchObject({
      leadId: 'cl-hot-95',
      score: 95,
      temperature: 'hot',
      stage: 'mql',
      lastName: '山田',
      email: 'cl-hot-95@example.co.jp',
    });
    expect(page.nextCursor).toBeNull();
  });

  it('given a page size that splits a score band, when paging with the cursor, then every lead comes once in the same order', async () => {
    // Act
    const whole = (await getPage('')).items.map((i) => i.leadId);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await getPage(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.leadId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);

    // Assert
    expect(seen).toEqual(whole);
    inBandOrder(seen);
    expect(pages).toBeLessThanOrEqual(4);
  });

  it('given ?format=csv, when downloaded, then UTF-8 with a BOM, CRLF rows and cells safe from formula injection', async () => {
    // Act
    const response = await api(runtime).opsGet('/v1/ops/call-list?format=csv');
    const bytes = new Uint8Array(await response.arrayBuffer());
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);

    // Assert
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toContain('attachment');
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = text.slice(1).split('\r\n');
    expect(lines[0]).toBe(
      'leadId,lastName,firstName,company,department,title,email,phone,prefecture,score,temperature,stage,grade,lastActivityAt',
    );
    expect(lines).toHaveLength(EXPECTED_COUNT + 2); // header, rows, trailing empty
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil.example"",""押して"")"`);
    expect(lines[1]).toContain(',95,');
    const recycled = lines.find((l) => l.startsWith('"cl-warm-60"'));
    expect(recycled).toContain(`"'+81 ""渡辺"", 次郎"`);
    // A digits-only phone as the text formula Excel keeps as text (quoted, Excel would drop the 0).
    expect(lines.find((l) => l.startsWith('"cl-warm-45"'))).toContain(',="0312345678",');
    expect(lines.find((l) => l.startsWith('"cl-hot-85-old"'))).toContain(',="+81312345678",');
    expect(lines.find((l) => l.startsWith('"cl-hot-95"'))).toContain(',"03-0000-0000",');
  });

  it('given Accept: text/csv, when requested, then CSV comes back with the next cursor in a header', async () => {
    const response = await api(runtime).opsGet('/v1/ops/call-list?limit=2', { accept: 'text/csv' });
    expect(response.headers.get('content-type')).toContain('text/csv');
    expect(response.headers.get('x-next-cursor')).toBeTruthy();
  });

  it('given a bad limit, cursor or format, when requested, then 400 names the parameter', async () => {
    for (const query of ['?limit=0', '?limit=201', '?limit=abc', '?cursor=bm9wZQ', '?format=xml']) {
      const response = await api(runtime).opsGet(`/v1/ops/call-list${query}`);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { error: { errors: { field: string }[] } };
      expect(body.error.errors[0]?.field).toMatch(/limit|cursor|format/);
    }
  });

  it('given no token, when the call list is requested, then it is refused (401, as the JWT authorizer)', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/ops/call-list`);
    expect(response.status).toBe(401);
  });

  // Last in this file: the import updates the listed leads (a timeline entry each).
  it('given the call list exported as CSV, when the file is imported again (as exported, and with the phones as Excel saves them back), then each phone (digits only, or guarded with an apostrophe) reads exactly as stored', async () => {
    // Arrange
    const { importLeads } = await import('#app/import-leads');
    const { getLead } = await import('#store/leads');
    const response = await api(runtime).opsGet('/v1/ops/call-list?format=csv');
    const exported = new Uint8Array(await response.arrayBuffer());
    const text = new TextDecoder().decode(exported); // the BOM dropped
    expect(text).toContain(',="0312345678",');
    // Excel (CSV UTF-8 or Shift_JIS) writes a ="…" cell back as its value, bare.
    const resaved = new TextEncoder().encode(`\uFEFF${text.replace(/,="(\+?[0-9]+)",/g, ',$1,')}`);
    expect(new TextDecoder().decode(resaved)).toContain(',0312345678,');
    const options = { channel: 'outbound' as const, source: 'call list', consent: 'none' as const };

    for (const bytes of [exported, resaved]) {
      // Act
      const result = await importLeads({ bytes, options });

      // Assert: every row read (a ="…" cell read as written would be "not a phone number")
      if (result.kind !== 'done') throw new Error(`${result.kind}: ${JSON.stringify(result)}`);
      expect(result.summary).toMatchObject({ rows: EXPECTED_COUNT, rejected: 0, updated: EXPECTED_COUNT });
      expect(result.summary.columns).toContainEqual({ header: 'phone', field: 'phone' });
    }
    // Read exactly as stored: any other value (312345678, say) would be kept as a proposed phone.
    // A phone the formula guard prefixed (`'+81-3-…`) reads without the guard's apostrophe.
    expect(text).toContain(`,"'+81-3-1234-5678",`);
    for (const [leadId, phone] of [
      ['cl-warm-45', '0312345678'],
      ['cl-hot-85-old', '+81312345678'],
      ['cl-hot-85-mid', '+81-3-1234-5678'],
    ] as const) {
      const lead = await getLead(leadId);
      expect(lead?.profile.attributes.phone).toBe(phone);
      expect(lead?.profile.proposedAttributes?.values.phone).toBeUndefined();
    }
  });
});
