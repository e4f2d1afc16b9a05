/**
 * Leads from sales on DynamoDB Local with the real handlers: manual entry (`POST /v1/ops/leads`) and CSV
 * import (`POST /v1/ops/imports`, the use case behind `leadloop import`, and the CLI itself): both
 * encodings with Japanese headers, duplicates inside the file and against the table, bad rows with their
 * line numbers, an interrupted import resumed, and the same file twice changing nothing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { dynamodb } from '#store/dynamodb';
import { consentHistoryOf } from '../support/consent.ts';
import { api, runLeadloop, startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import { eventsOf, scanAll } from './handoff-support.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const ROOT = resolve(import.meta.dirname, '..', '..');
const JA_HEADER = '会社名,部署,役職,姓,名,メールアドレス,電話番号,都道府県,従業員数';

/** A comparable picture of the table (every item, sorted), to prove that a run changed nothing. */
const snapshot = async () => JSON.stringify((await scanAll()).map((i) => JSON.stringify(i)).sort());

const leadByEmail = async (email: string) => {
  const { findLeadIdByEmail, getLead, getTimeline } = await import('#store/leads');
  const { emailKey } = await import('#domain/capture/email-address');
  const leadId = await findLeadIdByEmail(emailKey(email) ?? '');
  if (!leadId) return undefined;
  const lead = await getLead(leadId);
  return lead ? { ...lead, timeline: await getTimeline(leadId) } : undefined;
};

const entry = (email: string, extra: Record<string, unknown> = {}) => ({
  email,
  attributes: {
    lastName: '佐藤',
    firstName: '花子',
    company: '株式会社サンプル',
    title: '部長',
    country: 'US',
  },
  channel: 'event',
  source: '展示会 2026 東京',
  consentBasis: 'business_card',
  ...extra,
});

const postImport = (body: Buffer | string, contentType: string, query = '') =>
  fetch(`${runtime.apiUrl}/v1/ops/imports${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${runtime.opsToken}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });

describe('POST /v1/ops/leads', () => {
  it('given a new address, then 201 with the lead id; the same address again (other case) is 200 and gets a timeline entry', async () => {
    const email = uniqueEmail('manual');
    const first = await api(runtime).opsPost('/v1/ops/leads', entry(email));
    expect(first.status).toBe(201);
    const { leadId, created } = (await first.json()) as { leadId: string; created: boolean };
    expect(created).toBe(true);

    const again = await api(runtime).opsPost(
      '/v1/ops/leads',
      entry(email.toUpperCase(), { attributes: { department: '営業部' }, channel: 'outbound' }),
    );
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ leadId, created: false });

    const lead = await leadByEmail(email);
    expect(lead?.profile.leadId).toBe(leadId);
    expect(lead?.profile.attributes).toMatchObject({
      lastName: '佐藤',
      company: '株式会社サンプル',
      department: '営業部',
    });
    expect(lead?.profile.consent).toMatchObject({ textVersion: 'basis:business_card', formId: 'ops:manual' });
    expect(lead?.profile.timeZone).toBe('America/New_York'); // from the country
    expect(lead?.profile.channel).toBe('event');
    expect(lead?.timeline.filter((e) => e.type === 'lead_entered')).toHaveLength(2);
  });

  it('given consentBasis none and a time zone, then no consent is recorded (no marketing mail) and the zone is kept', async () => {
    const email = uniqueEmail('noconsent');
    const response = await api(runtime).opsPost(
      '/v1/ops/leads',
      entry(email, {
        consentBasis: 'none',
        attributes: { name: '鈴木 一郎', timeZone: 'Europe/Berlin', country: 'JP' },
      }),
    );
    expect(response.status).toBe(201);
    const lead = await leadByEmail(email);
    expect(lead?.profile.consent).toBeUndefined();
    expect(lead?.profile.attributes).toMatchObject({ lastName: '鈴木', firstName: '一郎' });
    expect(lead?.profile.timeZone).toBe('Europe/Berlin');
    const { marketingAllowed } = await import('#domain/lead/lead');
    expect(lead && marketingAllowed(lead.profile)).toEqual({ ok: false, reason: 'no_consent' });
  });

  it('given a phone inquiry entered with inquiry: true, then it is handed off as an inquiry form’s lead: the inquiry route’s team and short clocks without an owner, the named owner with them; offered again, one hand-off; on a lead sales already has, that owner is named and nothing changes', async () => {
    const { settings } = await import('#config/settings');
    const route = settings.handoff.routes?.find((r) => r.trigger === 'inquiry');
    const team = settings.handoff.owners.filter((o) => o.team === route?.team).map((o) => o.ownerId);
    expect(team.length).toBeGreaterThan(0);

    // Act 1: taken at reception, no owner named
    const routed = await api(runtime).opsPost(
      '/v1/ops/leads',
      entry(uniqueEmail('phone-inquiry'), { channel: 'inbound_phone', inquiry: true }),
    );
    const routedBody = (await routed.json()) as {
      leadId: string;
      assignment: { handoffNumber: number; ownerId: string; already?: true } | null;
    };

    // Assert 1: the inquiry route's team and clocks, announced as an inquiry hand-off
    expect(routed.status).toBe(201);
    const lead = await (await import('#store/leads')).getLead(routedBody.leadId);
    expect(lead?.state.handoff).toMatchObject({ trigger: 'inquiry', clocks: { accept: route?.accept } });
    // The answer names the deadlines the rep must meet (the inquiry route runs both clocks).
    const iso = (t: number | undefined) => new Date(t ?? Number.NaN).toISOString();
    expect(routedBody.assignment).toEqual({
      handoffNumber: 1,
      ownerId: expect.any(String),
      dueAt: iso(lead?.state.handoff?.dueAt),
      firstContactDueAt: iso(lead?.state.handoff?.firstContactDueAt),
    });
    expect(team).toContain(routedBody.assignment?.ownerId);
    await runtime.settle();
    const handedOff = eventsOf(runtime, routedBody.leadId, 'Lead Handed Off');
    expect(handedOff).toHaveLength(1);
    expect(handedOff[0]?.detail).toMatchObject({ trigger: 'inquiry' });

    // Act 2: the rep who took the call names themselves, with a key (then offered again: a retry)
    const email = uniqueEmail('phone-inquiry-own');
    const body = entry(email, { ownerId: 'sato', inquiry: true });
    const key = `inq-${email.split('@')[0]}`;
    const own = await api(runtime).opsPost('/v1/ops/leads', body, { 'idempotency-key': key });
    const again = await api(runtime).opsPost('/v1/ops/leads', body, { 'idempotency-key': key });

    // Assert 2: that owner, with the inquiry clocks; the retry answers the same and opens nothing more
    const ownBody = (await own.json()) as { leadId: string; assignment: unknown };
    expect(own.status).toBe(201);
    expect(ownBody.assignment).toEqual({
      handoffNumber: 1,
      ownerId: 'sato',
      dueAt: expect.stringMatching(/^\d{4}-.*Z$/),
      firstContactDueAt: expect.stringMatching(/^\d{4}-.*Z$/),
    });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replay')).toBe('true');
    expect(await again.json()).toEqual(ownBody);
    const ownLead = await leadByEmail(email);
    expect(ownLead?.state.handoff).toMatchObject({ n: 1, owner: { ownerId: 'sato' }, trigger: 'inquiry' });
    expect(ownLead?.state.handoff?.clocks?.accept).toEqual(route?.accept);
    await runtime.settle();
    expect(eventsOf(runtime, ownBody.leadId, 'Lead Handed Off')).toHaveLength(1);

    // Act 3: the same person calls again and a colleague enters it as a new inquiry
    const third = await api(runtime).opsPost(
      '/v1/ops/leads',
      entry(email, { ownerId: 'suzuki', inquiry: true }),
    );

    // Assert 3: updated, the hand-off left with sato, and the answer says so
    expect(third.status).toBe(200);
    expect(((await third.json()) as { assignment: unknown }).assignment).toEqual({
      handoffNumber: 1,
      ownerId: 'sato',
      dueAt: (ownBody.assignment as { dueAt: string }).dueAt,
      firstContactDueAt: (ownBody.assignment as { firstContactDueAt: string }).firstContactDueAt,
      already: true,
    });
    expect((await leadByEmail(email))?.state.handoff).toMatchObject({ n: 1, owner: { ownerId: 'sato' } });
  });

  it('given bad input, then 400 naming each field, and nothing is stored', async () => {
    const email = uniqueEmail('bad');
    const before = await snapshot();
    const response = await api(runtime).opsPost('/v1/ops/leads', {
      email: 'not an address',
      attributes: { phone: 'call me', timeZone: 'Mars/Base', shoeSize: '27' },
      channel: 'fax',
      source: '',
      consentBasis: 'maybe',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { errors: { field: string }[] } };
    const fields = body.error.errors.map((e) => e.field).sort();
    expect(fields).toEqual(
      expect.arrayContaining([
        'email',
        'attributes.phone',
        'attributes.timeZone',
        'channel',
        'source',
        'consentBasis',
      ]),
    );
    expect(await snapshot()).toBe(before);
    expect(await leadByEmail(email)).toBeUndefined();
  });

  it('given an address erased on request, then 409 with a clear message and nothing is stored', async () => {
    const email = uniqueEmail('erased');
    const created = (await (await api(runtime).opsPost('/v1/ops/leads', entry(email))).json()) as {
      leadId: string;
    };
    const erase = await fetch(`${runtime.apiUrl}/v1/ops/leads/${created.leadId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${runtime.opsToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: '本人からの削除依頼' }),
    });
    expect(erase.status).toBe(200);
    const before = await snapshot();
    const response = await api(runtime).opsPost('/v1/ops/leads', entry(email));
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      error: { code: 'address_erased', message: expect.stringMatching(/erased on request/) },
    });
    expect(await snapshot()).toBe(before);
  });
});

/** The partition key an SDK call names first (a Get's key, a BatchGet's first key), plain or marshalled. */
const firstPk = (input: unknown): string => {
  const { Key, RequestItems } = input as {
    Key?: { pk?: unknown };
    RequestItems?: Record<string, { Keys?: { pk?: unknown }[] }>;
  };
  const pk = Key?.pk ?? Object.values(RequestItems ?? {})[0]?.Keys?.[0]?.pk;
  return typeof pk === 'string' ? pk : String((pk as { S?: string } | undefined)?.S ?? '');
};

/**
 * Erases `leadId` (the real route) once, right after the first DynamoDB read that `isTrigger` names has come
 * back: SDK middleware on the product's own client, so the erase lands between an ops entry's read and its
 * write. `erasedStatus()` is the erase's answer (undefined while it has not run).
 */
const eraseAfterRead = (leadId: string, isTrigger: (command: string, pk: string) => boolean) => {
  const name = `erase-after-read-${leadId}`;
  let armed = true;
  let erasedStatus: number | undefined;
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (armed && isTrigger(String(context.commandName), firstPk(args.input))) {
        armed = false;
        const response = await fetch(`${runtime.apiUrl}/v1/ops/leads/${leadId}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${runtime.opsToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ reason: '本人からの削除依頼 (ticket 4711)' }),
        });
        erasedStatus = response.status;
      }
      return result;
    },
    { step: 'initialize', name },
  );
  return { erasedStatus: () => erasedStatus, remove: () => dynamodb.middlewareStack.remove(name) };
};

/**
 * Fails the first import-row marker put before it reaches the table, as a process that dies between a row's
 * transaction and its marker would: SDK middleware on the product's own client. `rowId()`: the row it hit.
 */
const crashOnMarker = () => {
  const name = `crash-on-marker-${Math.random()}`;
  let rowId: string | undefined;
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const item = (args.input as { Item?: { pk?: unknown; sk?: unknown } }).Item;
      const text = (v: unknown) => (typeof v === 'string' ? v : String((v as { S?: string })?.S ?? ''));
      if (
        rowId === undefined &&
        /^Put(Item)?Command$/.test(String(context.commandName)) &&
        text(item?.pk) === 'IDEMPOTENCY#import-row'
      ) {
        rowId = text(item?.sk);
        throw new Error('injected: the process died before the row marker');
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return { rowId: () => rowId ?? '', remove: () => dynamodb.middlewareStack.remove(name) };
};

/** The items of a lead's partition. */
const partition = async (leadId: string) => {
  const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
  const { tableName } = await import('#store/dynamodb');
  const { keys } = await import('#store/keys');
  const result = await dynamodb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.profile(leadId).pk },
      ConsistentRead: true,
    }),
  );
  return { items: result.Items ?? [] };
};

/** Every item in the table that names the address (an erased person leaves none). */
const itemsNaming = async (email: string) =>
  (await scanAll()).filter((i) => JSON.stringify(i).toLowerCase().includes(email.toLowerCase()));

describe('an ops entry racing an erase', () => {
  it.each([
    // The door's check saw no suppression; the erase commits before the entry looks for the address's lead.
    [
      'the suppression read',
      (command: string, pk: string) => /^Get(Item)?Command$/.test(command) && pk.startsWith('SUPPRESSED#'),
    ],
    // The entry found the lead by its e-mail claim; the erase removes lead and claim before it is read.
    [
      'the e-mail claim read',
      (command: string, pk: string) => /^Get(Item)?Command$/.test(command) && pk.startsWith('EMAIL#'),
    ],
    // The entry read the lead to update it; the erase deletes it before the update's transaction.
    [
      'the lead read',
      (command: string, pk: string) => /^BatchGet(Item)?Command$/.test(command) && pk.startsWith('LEAD#'),
    ],
  ])(
    'given an erase that commits right after %s, then the entry is refused as erased (409) and no lead is left',
    async (_label, isTrigger) => {
      // Arrange
      const email = uniqueEmail('race');
      const created = await api(runtime).opsPost('/v1/ops/leads', entry(email));
      expect(created.status).toBe(201);
      const { leadId } = (await created.json()) as { leadId: string };
      const fault = eraseAfterRead(leadId, isTrigger);

      // Act
      let response: Response;
      try {
        response = await api(runtime).opsPost('/v1/ops/leads', entry(email, { channel: 'outbound' }));
      } finally {
        fault.remove();
      }

      // Assert
      expect(fault.erasedStatus()).toBe(200);
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ error: { code: 'address_erased' } });
      expect(await leadByEmail(email)).toBeUndefined();
      expect(await itemsNaming(email)).toEqual([]);
      const { isErasedAddress } = await import('#app/erased-address');
      expect(await isErasedAddress(email)).toBe(true);
    },
  );

  it("given an import row whose address is erased right after the row's suppression read, then the row is rejected as erased and no lead is left", async () => {
    // Arrange
    const email = uniqueEmail('race-import');
    const created = await api(runtime).opsPost('/v1/ops/leads', entry(email));
    expect(created.status).toBe(201);
    const { leadId } = (await created.json()) as { leadId: string };
    const fault = eraseAfterRead(
      leadId,
      (command, pk) => /^Get(Item)?Command$/.test(command) && pk.startsWith('SUPPRESSED#'),
    );

    // Act
    let response: Response;
    try {
      response = await postImport(
        `email,姓\n${email},佐藤\n`,
        'text/csv',
        '?channel=event&source=s&consent=none',
      );
    } finally {
      fault.remove();
    }

    // Assert
    expect(fault.erasedStatus()).toBe(200);
    expect(response.status).toBe(200);
    const summary = (await response.json()) as Summary;
    expect(summary).toMatchObject({ created: 0, updated: 0, rejected: 1 });
    expect(summary.rejectedRows).toEqual([
      expect.objectContaining({
        line: 2,
        reason: expect.stringMatching(/^email: this address was erased/),
        problems: [{ field: 'email', code: 'erased' }],
      }),
    ]);
    expect(await leadByEmail(email)).toBeUndefined();
    expect(await itemsNaming(email)).toEqual([]);
  });
});

/** A 100-row sheet with Japanese headers: rows 3 and 50 repeat earlier addresses, rows 10 and 20 are bad. */
const sheet = (tag: string, existing: string): string => {
  const lines = [JA_HEADER];
  for (let i = 1; i <= 100; i++) {
    let email = `import-${tag}-${i}@example.co.jp`;
    if (i === 3) email = `IMPORT-${tag}-1@example.co.jp`; // same address as row 1 (line 2), other case
    if (i === 50) email = existing; // a lead already in the table
    if (i === 10) email = 'no-at-sign';
    const phone = i === 20 ? '電話してね' : `03-1234-${String(i).padStart(4, '0')}`;
    lines.push(
      `株式会社テスト${i},営業部,${i % 7 === 0 ? '部長' : '担当'},髙橋,${i === 1 ? '' : `太郎${i}`},${email},${phone},東京都,${i * 10}`,
    );
  }
  return `${lines.join('\r\n')}\r\n`;
};

interface Summary {
  created: number;
  updated: number;
  rejected: number;
  skipped: number;
  duplicates: number;
  encoding: string;
  rows: number;
  rejectedRows: { line: number; email: string; reason: string }[];
}

describe('POST /v1/ops/imports', () => {
  it('given a 100-row Shift_JIS file with Japanese headers, then good rows import, duplicates merge, bad rows are named by line; the same file again changes nothing', async () => {
    const existing = uniqueEmail('existing');
    expect((await api(runtime).opsPost('/v1/ops/leads', entry(existing))).status).toBe(201);
    const bytes = iconv.encode(sheet('sjis', existing), 'cp932');
    const query = `?channel=event&source=${encodeURIComponent('展示会 2026 東京')}&consent=business_card`;

    const response = await postImport(bytes, 'application/octet-stream', query);
    expect(response.status).toBe(200);
    const summary = (await response.json()) as Summary;
    expect(summary).toMatchObject({
      encoding: 'sjis',
      rows: 100,
      created: 96,
      updated: 1,
      rejected: 2,
      skipped: 0,
      duplicates: 1,
    });
    expect(summary.rejectedRows.map((r) => [r.line, r.reason.split(':')[0]])).toEqual([
      [11, 'email'],
      [21, 'phone'],
    ]);
    const merged = await leadByEmail('import-sjis-1@example.co.jp');
    expect(merged?.profile.attributes).toMatchObject({
      company: '株式会社テスト1',
      lastName: '髙橋',
      firstName: '太郎3',
    });
    expect(merged?.profile.timeZone).toBeUndefined(); // no country given: the configured default applies
    const updated = await leadByEmail(existing);
    expect(updated?.timeline.map((e) => e.type).sort()).toEqual(['lead_entered', 'lead_imported']);

    const before = await snapshot();
    const again = (await (await postImport(bytes, 'application/octet-stream', query)).json()) as Summary;
    expect(again).toMatchObject({ created: 0, updated: 0, rejected: 2, skipped: 97 });
    expect(await snapshot()).toBe(before);
    // About 200 DynamoDB calls: a few seconds on an idle machine, but ~35 s was seen at load average 21.
  }, 180_000);

  it('given UTF-8 with a BOM as JSON, then it imports the same way', async () => {
    const csv = `\uFEFF会社名,氏名,メールアドレス,国\n株式会社ユーティーエフ,山田 太郎,${uniqueEmail('utf8')},日本\n`;
    const response = await api(runtime).opsPost('/v1/ops/imports', {
      csv,
      channel: 'referral',
      source: '紹介',
      consent: 'existing_relationship',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ encoding: 'utf8', created: 1, rejected: 0 });
    const email = csv.split('\n')[1]?.split(',')[2] ?? '';
    const lead = await leadByEmail(email);
    expect(lead?.profile.attributes).toMatchObject({
      lastName: '山田',
      firstName: '太郎',
      company: '株式会社ユーティーエフ',
    });
    expect(lead?.profile.timeZone).toBe('Asia/Tokyo');
    expect(lead?.profile.consent?.textVersion).toBe('basis:existing_relationship');
  });

  it('given the JSON body itself saved with a UTF-8 byte order mark (Windows PowerShell, Notepad), then it imports as the other JSON routes read it, not "not valid JSON"', async () => {
    // Arrange
    const email = uniqueEmail('json-bom');
    const body = JSON.stringify({
      csv: `メールアドレス\n${email}\n`,
      channel: 'event',
      source: 's',
      consent: 'none',
    });

    // Act
    const response = await postImport(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]),
      'application/json',
    );

    // Assert
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ created: 1, rejected: 0 });
  });

  it('given a file without an e-mail column, bad options or more than 1,000 rows, then 400/400/413 and nothing is stored', async () => {
    const before = await snapshot();
    const noEmail = await api(runtime).opsPost('/v1/ops/imports', {
      csv: '会社名,氏名\nA社,山田\n',
      channel: 'event',
      source: 's',
      consent: 'none',
    });
    expect(noEmail.status).toBe(400);
    const noEmailBody = (await noEmail.json()) as { error: { errors: unknown[] } };
    expect(JSON.stringify(noEmailBody)).toMatch(/no e-mail column/);
    // Coded, so the console words it in its language.
    expect(noEmailBody.error.errors).toEqual([
      expect.objectContaining({ field: 'csv', code: 'no_email_column', params: { field: 'email' } }),
    ]);
    const badOptions = await api(runtime).opsPost('/v1/ops/imports', {
      csv: 'email\na@b.jp\n',
      channel: 'fax',
      source: 's',
      consent: 'none',
    });
    expect(badOptions.status).toBe(400);
    expect(JSON.stringify(await badOptions.json())).toMatch(/"field":"channel"/);
    const rows = Array.from({ length: 1001 }, (_, i) => `big${i}@example.jp`).join('\n');
    const tooMany = await postImport(`email\n${rows}\n`, 'text/csv', '?channel=event&source=s&consent=none');
    expect(tooMany.status).toBe(413);
    expect(await snapshot()).toBe(before);
  });

  it('given a text/csv body with ?dryRun=true, then the summary counts the rows and nothing is stored; dryRun=yes is a 400', async () => {
    const before = await snapshot();
    const csv = `会社名,メールアドレス\n株式会社下見,${uniqueEmail('dryquery')}\n`;
    const dry = await postImport(csv, 'text/csv', '?channel=event&source=s&consent=none&dryRun=true');
    expect(dry.status).toBe(200);
    expect(await dry.json()).toMatchObject({ dryRun: true, created: 1, rejected: 0 });
    const bad = await postImport(csv, 'text/csv', '?channel=event&source=s&consent=none&dryRun=yes');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/"field":"dryRun"/);
    expect(await snapshot()).toBe(before);
  });
});

describe('POST /v1/ops/imports: text that would be stored mangled', () => {
  it('given a Shift_JIS file sent as text/csv (its bytes arrive as UTF-8 text, Japanese replaced by U+FFFD), then 400 naming the fix and nothing is stored', async () => {
    // Arrange: English headers, so the mapping alone does not catch it; the company is Japanese.
    const email = uniqueEmail('sjis-as-text');
    const bytes = iconv.encode(`email,company,name\n${email},株式会社文字化け,山田 太郎\n`, 'cp932');
    const before = await snapshot();

    // Act
    const response = await postImport(bytes, 'text/csv', '?channel=event&source=s&consent=none');
    const body = JSON.stringify(await response.json());

    // Assert
    expect(response.status).toBe(400);
    expect(body).toMatch(/application\/octet-stream/);
    expect(await leadByEmail(email)).toBeUndefined();
    expect(await snapshot()).toBe(before);
  });
});

describe('POST /v1/ops/imports: a text body named Shift_JIS', () => {
  it('given a JSON csv or a text/csv body with encoding sjis (text reaches the function as UTF-8, so decoding it as Shift_JIS garbles every Japanese cell), then 400 on encoding and nothing is stored', async () => {
    // Arrange
    // Cells whose UTF-8 bytes happen to be valid Shift_JIS: read as such, they become other kanji without a
    // single replacement character (株式会社 → 譬ｪ蠑丈ｼ夂､ｾ), so only the option can be refused.
    const email = uniqueEmail('text-as-sjis');
    const csv = `email,company,lastName,title\n${email},株式会社,山田,部長\n`;
    const before = await snapshot();

    // Act
    const asJson = await api(runtime).opsPost('/v1/ops/imports', {
      csv,
      channel: 'event',
      source: 's',
      consent: 'none',
      encoding: 'sjis',
    });
    const asText = await postImport(csv, 'text/csv', '?channel=event&source=s&consent=none&encoding=sjis');

    // Assert
    expect(asJson.status).toBe(400);
    expect(JSON.stringify(await asJson.json())).toMatch(/"field":"encoding".*application\/octet-stream/);
    expect(asText.status).toBe(400);
    expect(JSON.stringify(await asText.json())).toMatch(/"field":"encoding"/);
    expect(await leadByEmail(email)).toBeUndefined();
    expect(await snapshot()).toBe(before);
  });
});

describe('import use case and CLI', () => {
  it('given an import interrupted part way, when run again, then it resumes: done rows are skipped, the rest are created, nothing twice', async () => {
    const { importLeads } = await import('#app/import-leads');
    const rows = Array.from({ length: 30 }, (_, i) => `株式会社再開${i},${uniqueEmail(`resume${i}`)}`);
    const bytes = Buffer.from(`会社名,メールアドレス\n${rows.join('\n')}\n`);
    const options = { channel: 'event' as const, source: 'resume', consent: 'business_card' as const };
    const controller = new AbortController();
    const first = await importLeads({
      bytes,
      options,
      concurrency: 2,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 10) controller.abort();
      },
    });
    if (first.kind !== 'done') throw new Error(first.kind);
    expect(first.summary.interrupted).toBe(true);
    const done = first.summary.created;
    expect(done).toBeGreaterThanOrEqual(10);
    expect(done).toBeLessThan(30);

    // A crash between a row's write and its marker: the marker of one done row is lost.
    const { dynamodb, tableName } = await import('#store/dynamodb');
    const { keys } = await import('#store/keys');
    await dynamodb.send(
      new DeleteCommand({
        TableName: tableName,
        Key: keys.idempotency('import-row', `${first.summary.importId}:2`),
      }),
    );

    const second = await importLeads({ bytes, options, concurrency: 2 });
    if (second.kind !== 'done') throw new Error(second.kind);
    expect(second.summary).toMatchObject({
      created: 30 - done,
      updated: 0,
      skipped: done,
      interrupted: false,
    });
    const lead = await leadByEmail(rows[0]?.split(',')[1] ?? '');
    expect(lead?.timeline.filter((e) => e.type === 'lead_imported')).toHaveLength(1);
  });

  it('given a file whose company column was not recognised, when imported again with --map naming it, then the company is written; the corrected run again (its map spelled otherwise) is a replay', async () => {
    // Arrange
    const { importLeads } = await import('#app/import-leads');
    const email = uniqueEmail('remap');
    const bytes = Buffer.from(`勤務先,メールアドレス\n株式会社リマップ,${email}\n`);
    const options = { channel: 'event' as const, source: 'remap', consent: 'business_card' as const };
    const first = await importLeads({ bytes, options });
    if (first.kind !== 'done') throw new Error(first.kind);
    expect(first.summary.unmappedColumns).toEqual(['勤務先']);
    expect(first.summary.created).toBe(1);
    expect((await leadByEmail(email))?.profile.attributes.company).toBeUndefined();

    // Act: the operator fixes the mapping and runs the import again, as the summary suggests.
    const second = await importLeads({ bytes, options: { ...options, map: '勤務先=company' } });

    // Assert
    if (second.kind !== 'done') throw new Error(second.kind);
    expect(second.summary.importId).not.toBe(first.summary.importId);
    expect(second.summary.columns).toEqual([
      { header: '勤務先', field: 'company' },
      { header: 'メールアドレス', field: 'email' },
    ]);
    expect({ skipped: second.summary.skipped, updated: second.summary.updated }).toEqual({
      skipped: 0,
      updated: 1,
    });
    expect((await leadByEmail(email))?.profile.attributes.company).toBe('株式会社リマップ');
    const before = await snapshot();
    const replay = await importLeads({ bytes, options: { ...options, map: ' 勤務先 = company ,' } });
    if (replay.kind !== 'done') throw new Error(replay.kind);
    expect(replay.summary).toMatchObject({ importId: second.summary.importId, skipped: 1, updated: 0 });
    expect(await snapshot()).toBe(before);
  });

  it('given a UTF-8 file first imported with the wrong --encoding, when imported again without it, then the column it garbled is written', async () => {
    // Arrange: read as Shift_JIS, the header 会社 is mojibake (莨夂､ｾ) and maps to nothing. (These bytes read
    // as Shift_JIS without a replacement character; a file whose mojibake has one is refused: decodeCsv.)
    const { importLeads } = await import('#app/import-leads');
    const email = uniqueEmail('re-encode');
    const bytes = Buffer.from(`email,会社\n${email},株式会社\n`);
    const options = { channel: 'event' as const, source: 're-encode', consent: 'business_card' as const };
    const wrong = await importLeads({ bytes, options: { ...options, encoding: 'sjis' } });
    if (wrong.kind !== 'done') throw new Error(wrong.kind);
    expect(wrong.summary).toMatchObject({ encoding: 'sjis', created: 1 });
    expect(wrong.summary.unmappedColumns).toHaveLength(1);
    expect((await leadByEmail(email))?.profile.attributes.company).toBeUndefined();

    // Act
    const fixed = await importLeads({ bytes, options });

    // Assert
    if (fixed.kind !== 'done') throw new Error(fixed.kind);
    expect(fixed.summary).toMatchObject({ encoding: 'utf8', skipped: 0, updated: 1, unmappedColumns: [] });
    expect((await leadByEmail(email))?.profile.attributes.company).toBe('株式会社');
  });

  it.each([
    ['within the outbox week', false],
    ['after its outbox item expired', true],
  ])(
    'given a row that committed but lost its marker and a lead with 10 tracked events since (%s), when the import resumes, then it completes, the row is skipped and not applied again',
    async (_label, outboxExpired) => {
      // Arrange
      const { importLeads } = await import('#app/import-leads');
      const { ENTRY_SETTLE_MS, eventHash } = await import('#domain/lead/lead');
      const { dynamodb, tableName } = await import('#store/dynamodb');
      const { findLeadIdByEmail, getLead, getTimeline } = await import('#store/leads');
      const { emailKey } = await import('#domain/capture/email-address');
      const [first, second] = [uniqueEmail('marker-lost-a'), uniqueEmail('marker-lost-b')];
      const bytes = Buffer.from(`会社名,メールアドレス\n株式会社標識,${first}\n株式会社後続,${second}\n`);
      const options = { channel: 'event' as const, source: 'marker', consent: 'business_card' as const };
      // The process dies right after the first row's transaction: its marker never reaches the table.
      const crash = crashOnMarker();
      try {
        await expect(importLeads({ bytes, options, concurrency: 1 })).rejects.toThrow('process died');
      } finally {
        crash.remove();
      }
      const rowId = crash.rowId();
      expect(rowId).toMatch(/:2$/);
      const leadId = (await findLeadIdByEmail(emailKey(first) ?? '')) ?? '';
      expect(leadId).not.toBe('');
      const tracked = await api(runtime).opsPost('/v1/ops/events', {
        events: Array.from({ length: 10 }, (_, i) => ({
          eventId: `after-import-${leadId}-${i}`,
          type: 'page_view',
          leadId,
          url: `https://www.example.co.jp/blog/${i}`,
        })),
      });
      expect(tracked.status).toBe(202);
      // One more event two settle times later starts the ring afresh: the row's event has left the state's
      // recent hashes.
      await runtime.advanceClock(2 * ENTRY_SETTLE_MS);
      const later = await api(runtime).opsPost('/v1/ops/events', {
        events: [{ eventId: `after-import-${leadId}-later`, type: 'page_view', leadId }],
      });
      expect(later.status).toBe(202);
      expect((await getLead(leadId))?.state.recentEvents).not.toContain(eventHash(`import:${rowId}`));
      await runtime.settle();
      if (outboxExpired) {
        const { items } = await partition(leadId);
        for (const item of items.filter((i) => String(i.sk).startsWith('OUTBOX#')))
          await dynamodb.send(
            new DeleteCommand({ TableName: tableName, Key: { pk: String(item.pk), sk: String(item.sk) } }),
          );
      }
      const consentsBefore = (await consentHistoryOf(leadId)).length;
      const stateBefore = (await getLead(leadId))?.state;

      // Act
      const resumed = await importLeads({ bytes, options, concurrency: 1 });
      await runtime.settle();

      // Assert
      if (resumed.kind !== 'done') throw new Error(resumed.kind);
      expect(resumed.summary).toMatchObject({
        created: 1,
        updated: 0,
        skipped: 1,
        rejected: 0,
        interrupted: false,
      });
      expect(eventsOf(runtime, leadId, 'Lead Captured')).toHaveLength(1);
      expect(consentsBefore).toBe(1);
      expect(await consentHistoryOf(leadId)).toHaveLength(1);
      expect((await getLead(leadId))?.state).toEqual(stateBefore);
      expect((await getTimeline(leadId)).filter((e) => e.type === 'lead_imported')).toHaveLength(1);
      // The resumed run left the row's marker: a third run skips it on the marker alone.
      const { idempotencySeen } = await import('#store/idempotency');
      expect(await idempotencySeen('import-row', rowId)).toBe(true);
    },
  );

  it('given the CLI with --json and --dry-run, then it reports what would happen, writes nothing, and exits 0; a missing option exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-cli-'));
    const file = join(dir, 'cards.csv');
    writeFileSync(
      file,
      iconv.encode(
        `氏名,メールアドレス,会社名\n山田 太郎,${uniqueEmail('cli')},株式会社CLI\n田中,bad,B社\n`,
        'cp932',
      ),
    );
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
        execFile(
          join(ROOT, 'node_modules', '.bin', 'tsx'),
          [join(ROOT, 'scripts', 'import-leads.ts'), ...args],
          { cwd: ROOT, env: process.env },
          (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
    const before = await snapshot();
    const dry = await run([
      file,
      '--channel',
      'event',
      '--source',
      '名刺',
      '--consent',
      'business_card',
      '--dry-run',
      '--json',
    ]);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      encoding: 'sjis',
      dryRun: true,
      created: 1,
      rejected: 1,
      rejectedRows: [{ line: 3 }],
    });
    expect(readFileSync(join(dir, 'cards.errors.csv'), 'utf8')).toMatch(
      /^\uFEFFline,email,reason\r\n3,bad,email: not a valid/,
    );
    expect(await snapshot()).toBe(before);

    const usage = await run([file, '--channel', 'event']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--consent are required/);
  });

  it('given `leadloop leads create` with --json, then it creates (created: true) and a second call updates (created: false); given --owner, its table names the rep and the deadlines', async () => {
    const email = uniqueEmail('clicreate');
    const create = (...extra: string[]) =>
      runLeadloop(
        runtime,
        '--json',
        'leads',
        'create',
        '--email',
        email,
        '--name',
        '佐藤 花子',
        '--company',
        '株式会社CLI',
        '--channel',
        'partner',
        '--source',
        '紹介',
        '--consent',
        'existing_relationship',
        ...extra,
      );
    const first = await create();
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ created: true });
    const second = await create('--title', '課長');
    expect(JSON.parse(second.stdout)).toMatchObject({ created: false });
    const lead = await leadByEmail(email);
    expect(lead?.profile.attributes).toMatchObject({ lastName: '佐藤', firstName: '花子', title: '課長' });
    expect(lead?.profile.channel).toBe('partner'); // a declared referral/partner groups as partner

    // Given to a rep, the table names the rep and the deadlines of the hand-off it opened.
    const given = await runLeadloop(
      runtime,
      'leads',
      'create',
      '--email',
      uniqueEmail('clicreate-owner'),
      '--channel',
      'event',
      '--source',
      '展示会',
      '--consent',
      'business_card',
      '--owner',
      'sato',
    );
    expect(given.code).toBe(0);
    expect(given.stdout).toMatch(/owner\s+sato/);
    expect(given.stdout).toMatch(/acceptBy\s+\d{4}-\d{2}-\d{2}T/);
  });

  it('property: malformed bodies to both routes get a 4xx (never a 5xx) and change nothing', async () => {
    const before = await snapshot();
    const junk = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('null', '[]', '{"email":1}', '{"__proto__":{"x":1}}', '"csv"'),
      fc
        .record({
          email: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('a@example.jp')),
          attributes: fc.dictionary(
            fc.constantFrom('company', 'phone', 'timeZone', 'x', 'name'),
            fc.string({ maxLength: 20 }),
          ),
          channel: fc.constantFrom('event', 'fax', ''),
          source: fc.string({ maxLength: 5 }),
          consentBasis: fc.constantFrom('maybe', 'none', ''),
          csv: fc.constantFrom('', 'a,b\n', '会社名\nA社\n', '"unclosed\n'),
          consent: fc.constantFrom('maybe', ''),
        })
        .map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/ops/leads', '/v1/ops/imports'),
        junk,
        fc.constantFrom('application/json', 'text/csv', 'text/plain'),
        async (path, body, type) => {
          const response = await fetch(`${runtime.apiUrl}${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${runtime.opsToken}`, 'content-type': type },
            body,
          });
          const text = await response.text();
          // A JSON body whose every field happens to be valid would be accepted: the generators never make one.
          expect(response.status, `${path} ${type} ${body} → ${text}`).toBeGreaterThanOrEqual(400);
          expect(response.status, text).toBeLessThan(500);
        },
      ),
      { numRuns: 60 },
    );
    expect(await snapshot()).toBe(before);
  });
});
