import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { now as clock } from '#adapters/clock';
import { recordActivities } from '#app/record-activity';
import { viewLead } from '#app/view-lead';
import { eventHash } from '#domain/lead/lead';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#local/engines';
import { dynamodb, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';
import { getLead, getTimeline, mutateLead } from '#store/leads';
import { batchWriteAll, consentingLeadItems } from '../support/fixtures.ts';

/**
 * The tracking write path without a transaction (`writeScoredEvents`' steady state): the state write is the
 * commit and carries the new entries as `timelinePending`; the timeline items follow as plain puts. These
 * tests break the window between the two and check that points and entries still agree: the entry is
 * written by the next write, a replay in between is a duplicate, and nothing is scored twice.
 */
const raw = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  }),
);
afterAll(() => raw.destroy());

/** Fails the next plain PutItem of a timeline entry (as a throttle or a crash after the state write would). */
let failEntryPuts = 0;
let failedEntryPuts = 0;
dynamodb.middlewareStack.add(
  (next, context) => async (args) => {
    const sk = (args.input as { Item?: { sk?: string | { S?: string } } }).Item?.sk;
    const key = typeof sk === 'string' ? sk : (sk?.S ?? '');
    if (
      failEntryPuts > 0 &&
      /^Put(Item)?Command$/.test(String(context.commandName)) &&
      key.startsWith('EVT#')
    ) {
      failEntryPuts--;
      failedEntryPuts++;
      throw Object.assign(new Error('injected: entry write lost'), { name: 'InternalServerError' });
    }
    return next(args);
  },
  { step: 'initialize', name: 'failEntryPuts' },
);
beforeEach(() => {
  failEntryPuts = 0;
  failedEntryPuts = 0;
});

const newLeadId = async () => {
  const leadId = randomUUID();
  await batchWriteAll(raw, tableName, consentingLeadItems(leadId, `${leadId}@example.co.jp`, clock()));
  return leadId;
};
const pageView = (eventId: string) => ({
  eventId,
  type: 'page_view',
  occurredAt: clock(),
  url: 'https://www.example.co.jp/blog/dx-guide',
  title: 'DX推進ガイド',
});
const storedState = async (leadId: string) =>
  (await raw.send(new GetCommand({ TableName: tableName, Key: keys.state(leadId), ConsistentRead: true })))
    .Item ?? {};
const entryIds = async (leadId: string) => (await getTimeline(leadId)).map((e) => e.eventId).sort();

describe('tracking events whose timeline item is written after the state', () => {
  it('given the entry write fails after the state write, when the event is replayed and the next event comes, then it scores once and both entries are written', async () => {
    const leadId = await newLeadId();
    expect((await recordActivities(leadId, [pageView('pv-1')], clock())).get('pv-1')).toBe('applied');
    const scoreAfterFirst = (await getLead(leadId))?.state.score.total ?? 0;

    failEntryPuts = 1;
    await expect(recordActivities(leadId, [pageView('pv-2')], clock())).rejects.toThrow('injected');
    expect(failedEntryPuts).toBe(1);
    // The state committed with the event's points and keeps the entry as pending; the item is missing.
    const state = await storedState(leadId);
    // Stored packed (one JSON string of tuples, event id first).
    expect((JSON.parse(String(state.timelinePending)) as string[][]).map((t) => t[0])).toContain('pv-2');
    expect(await entryIds(leadId)).toEqual(['pv-1']);
    // The lead view shows it all the same.
    const view = await viewLead({ leadId });
    expect(view.kind === 'found' && view.lead.timeline.map((e) => e.eventId)).toContain('pv-2');
    const scoreAfterSecond = (await getLead(leadId))?.state.score.total ?? 0;
    expect(scoreAfterSecond).toBe(scoreAfterFirst + 1);

    // The client retries: a duplicate, scored nothing more.
    expect((await recordActivities(leadId, [pageView('pv-2')], clock())).get('pv-2')).toBe('duplicate');
    expect((await getLead(leadId))?.state.score.total).toBe(scoreAfterSecond);

    // The next event writes its own entry and the one left pending.
    expect((await recordActivities(leadId, [pageView('pv-3')], clock())).get('pv-3')).toBe('applied');
    expect(await entryIds(leadId)).toEqual(['pv-1', 'pv-2', 'pv-3']);
    // The repaired entry keeps what scoring decided; the page's description was in the lost write only.
    const repaired = (await getTimeline(leadId)).find((e) => e.eventId === 'pv-2');
    expect(repaired).toMatchObject({ type: 'page_view', points: 1, rule: 'page-view' });
    expect(repaired?.url).toBeUndefined();
    expect((await getLead(leadId))?.state.score.total).toBe(scoreAfterSecond + 1);
    // A read confirms the written entries: the next write leaves none pending but its own.
    expect((await getLead(leadId))?.state.timelinePending).toBeUndefined();
  });

  it('given an entry left pending, when another use case writes the lead (a transaction), then the entry commits with it and the state carries no pending entry', async () => {
    const leadId = await newLeadId();
    await recordActivities(leadId, [pageView('pv-a')], clock());
    failEntryPuts = 1;
    await expect(recordActivities(leadId, [pageView('pv-b')], clock())).rejects.toThrow('injected');
    expect(await entryIds(leadId)).toEqual(['pv-a']);

    const updated = await mutateLead(leadId, (lead) => ({
      write: { state: { ...lead.state, version: lead.state.version + 1 }, at: clock() },
      result: true,
    }));
    expect(updated.found).toBe(true);
    expect(await entryIds(leadId)).toEqual(['pv-a', 'pv-b']);
    expect((await storedState(leadId)).timelinePending).toBeUndefined();
  });

  it('given an event replayed after 40 later events (its hash long gone from the state), then its entry still names it a duplicate', async () => {
    const leadId = await newLeadId();
    await recordActivities(leadId, [pageView('old-1')], clock());
    const score = (await getLead(leadId))?.state.score.total ?? 0;
    for (let i = 0; i < 40; i += 10)
      await recordActivities(
        leadId,
        Array.from({ length: 10 }, (_, j) => ({ ...pageView(`later-${i + j}`), type: 'scroll' })),
        clock(),
      );
    const before = (await getLead(leadId))?.state;
    expect(before?.recentEvents).not.toContain(eventHash('old-1'));
    expect((await recordActivities(leadId, [pageView('old-1')], clock())).get('old-1')).toBe('duplicate');
    expect((await getLead(leadId))?.state.score.total).toBe(before?.score.total);
    expect(before?.score.total).toBeGreaterThanOrEqual(score);
  });

  it('given 24 single events for one lead posted at once, then each is scored once and each has its entry', async () => {
    const leadId = await newLeadId();
    const ids = Array.from({ length: 24 }, (_, i) => `burst-${String(i).padStart(2, '0')}`);
    const results = await Promise.all(ids.map((id) => recordActivities(leadId, [pageView(id)], clock())));
    expect(results.map((r) => [...r.values()][0])).toEqual(ids.map(() => 'applied'));
    expect(await entryIds(leadId)).toEqual(ids);
    const lead = await getLead(leadId);
    // page_view: 1 point each, capped at 10 a day; the entries' points add up to the score's behaviour part.
    const timeline = await getTimeline(leadId);
    expect(timeline.reduce((n, e) => n + e.points, 0)).toBe(10);
    expect(lead?.state.version).toBe(1 + 24);
  });
});
