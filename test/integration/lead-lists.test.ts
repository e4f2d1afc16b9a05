import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { type ListLeadSpec, listLead } from '../support/fixtures.ts';
import { startTestRuntime } from '../support/runtime.ts';
import { api } from './handoff-support.ts';

/**
 * Lead lists (GET /v1/ops/leads?stage=…), the call list's sparse index and the lead view's timeline pages on
 * DynamoDB Local, through the real handlers. Read units are counted by AWS's billing rules from what each read
 * returned (a middleware on the store's client; DynamoDB Local's own figures sum a BatchGet before rounding).
 */
let runtime: Runtime;
const T = Date.UTC(2026, 10, 2, 1, 0);
const DAY = 86_400_000;

type Spec = ListLeadSpec;
const leadOf = (s: Spec) => listLead(s, T);

// 40 list leads: stages and temperatures mixed, a few owned, two channels, activity spread over days.
const LIST: Spec[] = Array.from({ length: 40 }, (_, n) => ({
  id: `ll-${String(n).padStart(2, '0')}`,
  score: 5 + ((n * 37) % 100),
  temperature: (['cold', 'warm', 'hot'] as const)[n % 3] ?? 'cold',
  stage: (['lead', 'mql', 'sal'] as const)[n % 3 === 2 ? 2 : n % 2] ?? 'lead',
  ...(n % 5 === 0 ? { owner: n % 10 === 0 ? 'sato' : 'suzuki' } : {}),
  channel: n % 4 === 0 ? 'event' : 'inbound_web',
  activityAt: T - (n % 7) * DAY,
}));

// Call-list population: mostly owned hot/warm leads, a few waiting for sales.
const CALL: Spec[] = Array.from({ length: 300 }, (_, n) => ({
  id: `cw-${String(n).padStart(3, '0')}`,
  score: 40 + (n % 60),
  temperature: n % 2 ? 'hot' : 'warm',
  stage: 'subscriber',
  ...(n % 10 < 8 ? { owner: 'tanaka' } : {}),
}));

// One rep's queue (sort=due): 130 hand-offs of kobayashi, more than two pages, in five kinds (see `queueNext`).
const MIN = 60_000;
const QUEUE: (Spec & { next: number | undefined })[] = Array.from({ length: 130 }, (_, n) => {
  const spread = ((n * 7919) % 1000) * MIN;
  const kind = n % 5;
  const base = {
    id: `oq-${String(n).padStart(3, '0')}`,
    score: 30 + (n % 60),
    temperature: n % 2 ? ('hot' as const) : ('warm' as const),
    stage: 'sql' as const,
    owner: 'kobayashi',
    activityAt: T - (n % 9) * DAY,
  };
  switch (kind) {
    case 0: // to accept, in the coming hours
      return { ...base, handoff: { dueAt: T + spread }, next: T + spread };
    case 1: // accepted, first contact still to make
      return {
        ...base,
        handoff: { acceptedAt: T, firstContactDueAt: T + spread },
        next: T + spread,
      };
    case 2: // to accept tomorrow, but a call planned earlier (overdue)
      return {
        ...base,
        handoff: { dueAt: T + 2 * DAY, followUp: { at: T - spread / 2, by: 'kobayashi', setAt: T - DAY } },
        next: T - spread / 2,
      };
    case 3: // both clocks met, nothing planned: after every lead with something due
      return {
        ...base,
        handoff: { startedAt: T - n * MIN, acceptedAt: T, firstContactDueAt: T + DAY, firstContactAt: T },
        next: undefined,
      };
    default: // the accept deadline passed
      return { ...base, handoff: { dueAt: T - ((n * 13) % 300) * MIN }, next: T - ((n * 13) % 300) * MIN };
  }
});

/** The first-contact deadline a queue lead of kind 1 was given (accepted, not yet called), else undefined. */
const q1 = (id: string): number | undefined => {
  const q = QUEUE.find((s) => s.id === id);
  return q?.handoff?.acceptedAt !== undefined && q.handoff.firstContactAt === undefined
    ? q.handoff.firstContactDueAt
    : undefined;
};

/** Read units as AWS bills them (eventually consistent): a Query rounds its items' total up to 4 KB, a BatchGet each item. */
let readUnits = 0;
let readCalls = 0;
const KB4 = 4096;
const sizeOf = (value: unknown): number => {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return 21;
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + sizeOf(v), 0);
  if (typeof value === 'object')
    return (
      3 + Object.entries(value as object).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k) + sizeOf(v), 0)
    );
  return 0;
};
const itemSize = (item: Record<string, unknown>) =>
  Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + sizeOf(v), 0);

beforeAll(async () => {
  runtime = await startTestRuntime();
  const { dynamodb, batchWrite } = await import('#store/dynamodb');
  const { leadItems } = await import('#store/lead-items');
  const { keys } = await import('#store/keys');
  const items = [...LIST, ...CALL, ...QUEUE].flatMap((s) => {
    const lead = leadOf(s);
    return [...leadItems(lead), { ...keys.emailIndex(lead.profile.emailKey), leadId: s.id, createdAt: T }];
  });
  await batchWrite(items.map((Item) => ({ PutRequest: { Item } })));
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const output = await next(args);
      const result = output.output as {
        Items?: Record<string, unknown>[];
        Responses?: Record<string, Record<string, unknown>[]>;
      };
      if (context.commandName === 'QueryCommand') {
        const bytes = (result.Items ?? []).reduce((n, item) => n + itemSize(item), 0);
        readUnits += 0.5 * Math.max(1, Math.ceil(bytes / KB4));
        readCalls++;
      } else if (context.commandName === 'BatchGetItemCommand' || context.commandName === 'BatchGetCommand') {
        for (const item of Object.values(result.Responses ?? {}).flat())
          readUnits += 0.5 * Math.ceil(itemSize(item) / KB4);
        readCalls++;
      }
      return output;
    },
    { step: 'initialize', name: 'countReadUnits' },
  );
}, 60_000);
afterAll(async () => {
  await runtime.stop();
});

interface ListPage {
  items: {
    leadId: string;
    stage: string;
    temperature: string;
    score: number;
    ownerId: string | null;
    name: string | null;
    company: string | null;
    lastActivityAt: string;
    due: { clock: string; at: string } | null;
  }[];
  cursor: string | null;
}

const get = (path: string, headers?: Record<string, string>) => api(runtime).opsGet(path, headers);
const listAll = async (query: string, limit: number): Promise<{ ids: string[]; pages: ListPage[] }> => {
  const pages: ListPage[] = [];
  let cursor: string | null = null;
  do {
    const response = await get(
      `/v1/ops/leads?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(response.status).toBe(200);
    const page = (await response.json()) as ListPage;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    pages.push(page);
    cursor = page.cursor;
  } while (cursor && pages.length < 100);
  return { ids: pages.flatMap((p) => p.items.map((i) => i.leadId)), pages };
};
const band = (score: number) => Math.floor(score / 10) * 10;
const sortedIds = (specs: Spec[]) => specs.map((s) => s.id).sort();

describe('lead lists', () => {
  it('given a stage, when paged 3 at a time, then exactly its leads come once each, by score band highest first', async () => {
    const expected = LIST.filter((s) => (s.stage ?? 'mql') === 'mql');
    const { ids, pages } = await listAll('stage=mql', 3);
    expect([...ids].sort()).toEqual(sortedIds(expected));
    const items = pages.flatMap((p) => p.items);
    for (let i = 1; i < items.length; i++)
      expect(band(items[i - 1]?.score ?? 0)).toBeGreaterThanOrEqual(band(items[i]?.score ?? 0));
    const first = items[0];
    expect(first).toMatchObject({ stage: 'mql', name: '山田 花子', company: `株式会社${first?.leadId}` });
    expect(Number.isNaN(Date.parse(first?.lastActivityAt ?? ''))).toBe(false);
  });

  it('given no filter, when listed, then every lead of every temperature is served by the indexes once', async () => {
    const { ids } = await listAll('', 50);
    expect([...ids].sort()).toEqual(sortedIds([...LIST, ...CALL, ...QUEUE]));
  });

  it('given temperature, owner and channel filters, when listed, then only matching leads come back', async () => {
    const hotOwned = await listAll('temperature=hot&owner=sato', 5);
    expect([...hotOwned.ids].sort()).toEqual(
      sortedIds(LIST.filter((s) => s.temperature === 'hot' && s.owner === 'sato')),
    );
    const stageAndTemp = await listAll('stage=lead&temperature=cold', 4);
    expect([...stageAndTemp.ids].sort()).toEqual(
      sortedIds(LIST.filter((s) => s.stage === 'lead' && s.temperature === 'cold')),
    );
    const events = await listAll('channel=event&stage=sal', 2);
    expect([...events.ids].sort()).toEqual(
      sortedIds(LIST.filter((s) => s.channel === 'event' && s.stage === 'sal')),
    );
  });

  it('given owned and unowned leads, when listed, then each owned row carries the next SLA deadline of its owner and the rest none', async () => {
    const { pages } = await listAll('stage=lead', 50);
    const rows = pages.flatMap((p) => p.items);
    const owned = rows.filter((r) => r.ownerId !== null);
    expect(owned.length).toBeGreaterThan(0);
    expect(rows.length).toBeGreaterThan(owned.length);
    // The fixture's hand-offs started at T with a day to accept, nobody has accepted: the accept clock.
    for (const r of owned) expect(r.due).toEqual({ clock: 'accept', at: new Date(T + DAY).toISOString() });
    for (const r of rows.filter((r) => r.ownerId === null)) expect(r.due).toBeNull();
  });

  it('given one rep with 130 hand-offs among other owners’ leads, when listed with owner and sort=due in pages of 50, then every one comes once, nearest deadline or planned contact first, the rest newest hand-off first, at about one read unit a row', async () => {
    // Act
    readUnits = 0;
    const { ids, pages } = await listAll('owner=kobayashi&sort=due', 50);
    const units = readUnits;

    // Assert: all of the rep's leads and nothing else, each once
    expect(ids).toHaveLength(QUEUE.length);
    expect(new Set(ids)).toEqual(new Set(QUEUE.map((q) => q.id)));
    expect(pages).toHaveLength(3);
    // Order: the next due time never goes back; the leads with nothing due last, newest hand-off first.
    const spec = new Map(QUEUE.map((q) => [q.id, q]));
    const nexts = ids.map((id) => spec.get(id)?.next);
    const due = nexts.filter((n): n is number => n !== undefined);
    expect(nexts.slice(0, due.length)).toEqual(due);
    for (let i = 1; i < due.length; i++) expect(due[i]).toBeGreaterThanOrEqual(due[i - 1] ?? 0);
    const rest = ids.slice(due.length).map((id) => spec.get(id)?.handoff?.startedAt ?? 0);
    expect(rest).toEqual([...rest].sort((a, b) => b - a));
    // The first row is the most overdue: a planned call or a passed accept deadline.
    expect(spec.get(ids[0] ?? '')?.next).toBe(Math.min(...due));
    // The rows shown carry what made their place: the deadline or the planned contact.
    const first = pages[0]?.items[0] as ListPage['items'][number] & { followUpAt: string | null };
    const shown = Math.min(
      first.due ? Date.parse(first.due.at) : Number.POSITIVE_INFINITY,
      first.followUpAt ? Date.parse(first.followUpAt) : Number.POSITIVE_INFINITY,
    );
    expect(shown).toBe(spec.get(first.leadId)?.next);
    // Nothing read is another owner's: about a read unit a row (a lead's state and profile, 0.5 each).
    console.log(`owner queue: ${ids.length} rows, ${units} read units in ${pages.length} pages`);
    expect(units / ids.length).toBeLessThanOrEqual(1.5);
  });

  it('given the rep calls a lead whose first contact was due, when the queue is read again, then it leaves the leads with something due for the rest', async () => {
    // Arrange: the first lead in the queue whose due time is its first-contact deadline
    const before = await listAll('owner=kobayashi&sort=due', 200);
    const target = before.ids.find((id) => q1(id) !== undefined) ?? '';
    expect(target).not.toBe('');

    // Act: the call is the first contact (the hand-off's SLA clocks are then both met, nothing planned)
    const called = await api(runtime).opsPost(`/v1/ops/leads/${target}/activities`, {
      activityId: `call-${target}`,
      type: 'call',
      outcome: 'connected',
      occurredAt: new Date((await import('#adapters/clock')).now()).toISOString(),
      by: 'kobayashi',
    });
    const after = await listAll('owner=kobayashi&sort=due', 200);

    // Assert: still listed once, now after every lead with something due
    expect(called.status).toBe(201);
    expect(after.ids).toHaveLength(QUEUE.length);
    const dueCount = QUEUE.filter((q) => q.next !== undefined).length;
    expect(after.ids.indexOf(target)).toBeGreaterThanOrEqual(dueCount - 1);
    expect(after.ids.indexOf(target)).toBeGreaterThan(before.ids.indexOf(target));
  });

  it('given sort=due without an owner, when listed, then a 400 names the sort and nothing is read', async () => {
    const response = await get('/v1/ops/leads?sort=due');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { errors: { field: string; code: string }[] } };
    expect(body.error.errors).toEqual([expect.objectContaining({ field: 'sort', code: 'due_needs_owner' })]);
  });

  it('given channel= a channel group or a declared channel, when listed, then form leads are found by either (they are stored by group)', async () => {
    // Arrange: a form lead from a paid search ad (group paid_search, declared inbound_web) through the route.
    const email = `ll-cpc-${Date.now()}@example.co.jp`;
    const posted = await api(runtime).postForm('whitepaper', {
      email,
      lastName: '広告',
      firstName: '太郎',
      company: '株式会社リスティング',
      employees: '50-299',
      consent: true,
      utm_source: 'google',
      utm_medium: 'cpc',
    });
    expect(posted.status).toBe(201);
    const found = await get(`/v1/ops/leads?email=${encodeURIComponent(email)}`);
    const { leadId } = (await found.json()) as { leadId: string };

    // Act
    const byGroup = await listAll('channel=paid_search', 50);
    const byDeclared = await listAll('channel=inbound_web', 50);
    const legacyDirect = await listAll('channel=direct&stage=sal', 5);

    // Assert
    expect([...byGroup.ids]).toEqual([leadId]);
    expect(byDeclared.ids).toContain(leadId);
    // Leads stored before the grouping (channel inbound_web, no touch) read as direct.
    expect([...legacyDirect.ids].sort()).toEqual(
      sortedIds(LIST.filter((s) => s.channel === 'inbound_web' && s.stage === 'sal')),
    );
  });

  it('given sort=lastActivity and updatedSince, when listed, then recent leads come newest day first', async () => {
    const since = new Date(T - 2 * DAY).toISOString();
    const { ids, pages } = await listAll(`sort=lastActivity&updatedSince=${since}&stage=mql`, 4);
    expect([...ids].sort()).toEqual(
      sortedIds([...LIST, ...CALL].filter((s) => s.stage === 'mql' && (s.activityAt ?? T) >= T - 2 * DAY)),
    );
    const times = pages.flatMap((p) => p.items.map((i) => Math.floor(Date.parse(i.lastActivityAt) / DAY)));
    for (let i = 1; i < times.length; i++) expect(times[i - 1]).toBeGreaterThanOrEqual(times[i] ?? 0);
  });

  it('given format=csv, when downloaded, then a BOM, the list columns and the next cursor in a header', async () => {
    const response = await get('/v1/ops/leads?stage=mql&format=csv&limit=2');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('x-next-cursor')).toBeTruthy();
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await response.arrayBuffer());
    const lines = text.slice(1).split('\r\n');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(lines[0]).toBe(
      '"leadId","email","name","company","phone","stage","temperature","score","ownerId","lastActivityAt","dueClock","dueAt","followUpAt"',
    );
    expect(lines).toHaveLength(4);
  });

  it('given lang=ja, when the list is downloaded for Excel, then Japanese headers, stages, temperatures and SLA clocks as the console names them, the owner by name, the last activity and the deadline on the Tokyo clock; the lead id stays', async () => {
    // Act
    const response = await get('/v1/ops/leads?owner=sato&sort=lastActivity&format=csv&lang=ja');

    // Assert
    expect(response.status).toBe(200);
    const lines = new TextDecoder('utf-8', { ignoreBOM: true })
      .decode(await response.arrayBuffer())
      .slice(1)
      .split('\r\n');
    expect(lines[0]).toBe(
      '"リードID","メールアドレス","氏名","会社名","電話番号","ステージ","温度感","スコア","担当者","最終活動日時","期限の種類","対応期限","次回連絡予定"',
    );
    // ll-00: a lead stage, cold, owned by sato, last active at T (10:00 in Tokyo), to accept within a day.
    const row = lines.find((l) => l.startsWith('"ll-00"'));
    expect(row).toBe(
      '"ll-00","ll-00@example.co.jp","山田 花子","株式会社ll-00","03-0000-0000","リード","コールド",5,"佐藤 健","2026-11-02 10:00","受諾","2026-11-03 10:00",',
    );
  });

  it('given bad parameters, a tampered or foreign cursor, or owner=me without an owner, then 400 names the field', async () => {
    const first = (await (await get('/v1/ops/leads?stage=mql&limit=2')).json()) as ListPage;
    expect(first.cursor).toBeTruthy();
    const cursor = first.cursor ?? '';
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p: unknown[][] };
    const firstPosition = decoded.p[0];
    if (firstPosition) firstPosition[2] = 990;
    const tampered = Buffer.from(JSON.stringify(decoded)).toString('base64url');
    const cases: [string, string][] = [
      ['stage=nope', 'stage'],
      ['temperature=boiling', 'temperature'],
      ['sort=name', 'sort'],
      ['format=csv&lang=fr', 'lang'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['updatedSince=yesterday', 'updatedSince'],
      ['channel=fax', 'channel'],
      ['colour=red', '(query)'],
      [`stage=mql&cursor=${encodeURIComponent(tampered)}`, 'cursor'],
      [`stage=lead&cursor=${encodeURIComponent(cursor)}`, 'cursor'],
      ['stage=mql&cursor=bm9wZQ', 'cursor'],
      ['owner=me', 'owner'],
    ];
    for (const [query, field] of cases) {
      const response = await get(`/v1/ops/leads?${query}`);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { error: { message: string; errors: { field: string }[] } };
      expect(body.error.errors[0]?.field, query).toBe(field);
      if (field === 'owner') expect(body.error.message).toBe('owner=me needs a signed-in owner');
    }
  });

  it('given ?email=, when looked up, then it is still the one lead by e-mail', async () => {
    const response = await get('/v1/ops/leads?email=ll-03%40example.co.jp');
    expect(response.status).toBe(200);
    expect(((await response.json()) as { leadId: string }).leadId).toBe('ll-03');
  });
});

describe('call list on the sparse index', () => {
  it('given 300 leads of which 240 are owned, when the call list is paged, then it returns the 60 waiting and reads at most 1.5 units a row', async () => {
    const waiting = CALL.filter((s) => !s.owner).map((s) => s.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    const ratios: number[] = [];
    do {
      readUnits = 0;
      const response = await get(
        `/v1/ops/call-list?limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(response.status).toBe(200);
      const page = (await response.json()) as {
        items: { leadId: string; temperature: string }[];
        nextCursor: string | null;
      };
      seen.push(...page.items.map((i) => i.leadId));
      if (page.items.length >= 20) ratios.push(readUnits / page.items.length);
      cursor = page.nextCursor;
    } while (cursor && seen.length < 1000);

    // The list leads waiting for sales are on it too (warm/hot, not sal, no owner).
    const listWaiting = LIST.filter((s) => !s.owner && s.temperature !== 'cold' && s.stage !== 'sal').map(
      (s) => s.id,
    );
    expect([...seen].sort()).toEqual([...waiting, ...listWaiting].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(ratios.length).toBeGreaterThan(0);
    for (const ratio of ratios) expect(ratio).toBeLessThanOrEqual(1.5);
    console.info(`call list: read units per row returned ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
  });
});

describe('lead view timeline pages', () => {
  it('given 260 timeline entries, when the lead is viewed, then the newest 200 come from one page and the cursor gives the rest', async () => {
    const { putTimelineEntries } = await import('#store/leads');
    const entries = Array.from({ length: 260 }, (_, n) => ({
      eventId: `ev-${String(n).padStart(3, '0')}`,
      type: 'page_view',
      occurredAt: T + n * 60_000,
      points: 1,
      rule: 'page_view',
      baseVersion: 1,
      recordedAt: T + n * 60_000,
    }));
    await putTimelineEntries('ll-01', entries);
    readUnits = 0;
    readCalls = 0;
    const response = await get('/v1/ops/leads/ll-01');
    expect(response.status).toBe(200);
    const view = (await response.json()) as {
      timeline: { eventId: string }[];
      timelineCursor: string | null;
    };
    expect(view.timeline).toHaveLength(200);
    expect(view.timeline[0]?.eventId).toBe('ev-259');
    expect(view.timeline[199]?.eventId).toBe('ev-060');
    console.info(`lead view with 260 entries: ${readUnits} read units in ${readCalls} reads`);
    expect(view.timelineCursor).toBeTruthy();

    const older = await get(
      `/v1/ops/leads/ll-01?timelineCursor=${encodeURIComponent(view.timelineCursor ?? '')}`,
    );
    const rest = (await older.json()) as { timeline: { eventId: string }[]; timelineCursor: string | null };
    expect(rest.timeline.map((e) => e.eventId)).toEqual(
      Array.from({ length: 60 }, (_, n) => `ev-${String(59 - n).padStart(3, '0')}`),
    );
    expect(rest.timelineCursor).toBeNull();

    const foreign = await get(
      `/v1/ops/leads/ll-02?timelineCursor=${encodeURIComponent(view.timelineCursor ?? '')}`,
    );
    expect(foreign.status).toBe(400);
    expect(
      ((await foreign.json()) as { error: { errors: { field: string }[] } }).error.errors[0]?.field,
    ).toBe('timelineCursor');
  });
});

describe('migration of items written before the sharded indexes', () => {
  it('given a legacy state item, profile and timeline entry, when the one-off re-index runs, then lists, call list, company and phone search and timeline find them, and a re-run changes nothing', async () => {
    const { dynamodb, tableName } = await import('#store/dynamodb');
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const { leadItems } = await import('#store/lead-items');
    const { keys } = await import('#store/keys');
    const lead = leadOf({ id: 'legacy-1', score: 93, temperature: 'hot', stage: 'recycled' });
    const [profile, state] = leadItems(lead) as [Record<string, unknown>, Record<string, unknown>];
    const { activityAt, callKey: _c, activityKey: _k, activityDay: _d, ...rest } = state;
    const legacy = {
      ...rest,
      stageKey: 'recycled',
      temperatureKey: 'hot',
      scoreKey: 93,
      lastActivityAt: activityAt,
    };
    // A profile written before the company and phone searches: no `byCompany` or `byPhone` keys.
    const legacyProfile: Record<string, unknown> = {
      ...profile,
      attributes: {
        ...(profile.attributes as object),
        company: '株式会社レガシー工業',
        phone: '0476-98-7531',
      },
    };
    delete legacyProfile.companyInitial;
    delete legacyProfile.companyKey;
    delete legacyProfile.phoneTail;
    delete legacyProfile.phoneKey;
    for (const Item of [
      legacyProfile,
      legacy,
      {
        ...keys.timelineEvent('legacy-1', 'old-1'),
        eventId: 'old-1',
        type: 'page_view',
        occurredAt: T,
        points: 5,
        rule: 'page_view',
        baseVersion: 1,
        recordedAt: T,
      },
    ])
      await dynamodb.send(new PutCommand({ TableName: tableName, Item }));
    const listed = async () => (await listAll('stage=recycled', 10)).ids;
    expect(await listed()).not.toContain('legacy-1');

    const found = async () =>
      (
        (await (await get(`/v1/ops/leads?company=${encodeURIComponent('レガシー工業')}`)).json()) as {
          items: { leadId: string }[];
        }
      ).items.map((i) => i.leadId);
    expect(await found()).toEqual([]);
    const byPhone = async () =>
      (
        (await (await get(`/v1/ops/leads?phone=${encodeURIComponent('+81 476 98 7531')}`)).json()) as {
          items: { leadId: string }[];
        }
      ).items.map((i) => i.leadId);
    expect(await byPhone()).toEqual([]);

    const { reindexAll } = await import('../../scripts/reindex-leads.ts');
    const first = await reindexAll(2);
    expect(first.states).toBeGreaterThanOrEqual(1);
    expect(first.profiles).toBeGreaterThanOrEqual(1);
    expect(first.timeline).toBeGreaterThanOrEqual(1);
    expect(await found()).toEqual(['legacy-1']);
    expect(await byPhone()).toEqual(['legacy-1']);

    expect(await listed()).toContain('legacy-1');
    const callPage = (await (await get('/v1/ops/call-list?limit=200')).json()) as {
      items: { leadId: string }[];
    };
    expect(callPage.items.map((i) => i.leadId)).toContain('legacy-1');
    const view = (await (await get('/v1/ops/leads/legacy-1')).json()) as {
      timeline: { eventId: string }[];
      lastActivityAt: string;
    };
    expect(view.timeline.map((e) => e.eventId)).toEqual(['old-1']);
    expect(view.lastActivityAt).toBe(new Date(T).toISOString());
    expect(await reindexAll(2)).toMatchObject({ states: 0, profiles: 0, timeline: 0 });
  });
});

describe('write units of a steady-state tracking event', () => {
  it('given a second page view the same day (same band, no threshold, in time order), then no list-index item moves and it costs at most 3 WRU and 2 RRU all-in', async () => {
    const { dynamodb, tableName } = await import('#store/dynamodb');
    const { attachCapacityAccounting } = await import('#store/capacity');
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const { keys } = await import('#store/keys');
    const INDEX_ATTRS = [
      'stageKey',
      'temperatureKey',
      'scoreKey',
      'callKey',
      'activityKey',
      'activityDay',
      'ownerId',
      'email',
      'stage',
      'temperature',
      'grade',
    ];
    const stateItem = async () =>
      (
        await dynamodb.send(
          new GetCommand({ TableName: tableName, Key: keys.state('ll-06'), ConsistentRead: true }),
        )
      ).Item ?? {};
    const post = (eventId: string) =>
      api(runtime).opsPost('/v1/ops/events', {
        events: [{ eventId, type: 'page_view', leadId: 'll-06', url: 'https://example.co.jp/blog/a' }],
      });
    expect((await post('steady-1')).status).toBe(202); // the first event today moves the activity day
    const before = await stateItem();
    // Attached last in this file: it stays on the client (benches and tests only).
    const meter = attachCapacityAccounting(dynamodb);
    meter.reset();
    // The local runtime serves the request in its own async context: everything sent now is this event's.
    expect((await post('steady-2')).status).toBe(202);
    const units = meter.total();
    const after = await stateItem();

    expect(after.version).toBe(Number(before.version) + 1);
    for (const attr of INDEX_ATTRS) expect(after[attr], attr).toEqual(before[attr]);
    console.info(`steady-state tracking event: ${JSON.stringify(units)}`);
    // The state (under 1 KB) and the timeline entry, one plain write each, plus the entry's timeline-index
    // write; no list index moves.
    expect(units?.indexes).toEqual({ timeline: 1 });
    expect(units?.write).toBeLessThanOrEqual(3);
    // The state read strongly, the new event's entry and the previous event's pending entry eventually.
    expect(units?.read).toBeLessThanOrEqual(2);
    // Both events are on the timeline and the state keeps only the last one as pending.
    const { getTimeline } = await import('#store/leads');
    expect((await getTimeline('ll-06')).map((e) => e.eventId)).toEqual(
      expect.arrayContaining(['steady-1', 'steady-2']),
    );
  });
});
