import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { now as clockNow } from '#adapters/clock';
import type { Runtime } from '#local/runtime';
import { inbox, startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import { api, contactForm, detailOf, eventsOf, getItem, makeHotLead } from './handoff-support.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const MINUTE = 60_000;
const BANTCH = { budget: '年間500万円', authority: '部長決裁', needs: 'MA導入', timing: '下期' };

const syncTimerOf = async (leadId: string) =>
  getItem((await import('#store/keys')).keys.timer(leadId, 'crm-sync'));
const act = async (leadId: string, action: string, body: Record<string, unknown>) => {
  const response = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/${action}`, body);
  expect(response.status, `${action} ${JSON.stringify(await response.clone().json())}`).toBe(200);
};
const updatesOf = (leadId: string) => eventsOf(runtime, leadId, 'Lead Updated');
type Updated = { crm: { system: string; record: Record<string, unknown> }; stage: string };

/** Lets the interval pass in one jump and runs the sweeper once (the scheduler's next tick). */
const pass = async (ms: number) => {
  await runtime.advanceClock(ms);
  await runtime.sweep();
};

/** A warm lead from the whitepaper form, never handed off (a contact post is an inquiry, handed off at once). */
const warmLead = async (email: string) => {
  const { phone: _phone, ...whitepaperFields } = contactForm(email);
  expect((await api(runtime).postForm('whitepaper', whitepaperFields)).status).toBe(201);
  await runtime.settle();
  return (await (await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`)).json()) as {
    leadId: string;
    handoff: unknown;
  };
};

describe('CRM kept in sync after the hand-off (coalesced Lead Updated)', () => {
  it('given a handed-off lead, when ten changes sales cares about happen within 15 minutes, then exactly one Lead Updated carries the latest record, not before the interval; a later change makes one more', async () => {
    // Arrange: the hand-off itself (assigned, hot) arms a sync; flush it so the burst starts clean.
    const leadId = await makeHotLead(runtime, uniqueEmail('sync'));
    await pass(16 * MINUTE);
    const before = updatesOf(leadId).length;

    // Act: accept, qualify, convert (3 stage changes, opportunity created), six phase moves: 10 changes.
    await act(leadId, 'accept', { actionId: `a-${leadId}` });
    await act(leadId, 'qualify', { actionId: `q-${leadId}`, bant: BANTCH });
    await act(leadId, 'convert', {
      actionId: `c-${leadId}`,
      amount: 3_000_000,
      expectedCloseDate: '2026-12-25',
    });
    for (const [i, phase] of ['quote', 'proposal', 'quote', 'negotiation', 'quote', 'negotiation'].entries())
      await act(leadId, 'opportunity', { actionId: `p${i}-${leadId}`, phase });
    await runtime.settle();
    const timer = await syncTimerOf(leadId);
    await pass(14 * MINUTE);
    const atFourteen = updatesOf(leadId).length;
    await pass(2 * MINUTE);
    const afterInterval = updatesOf(leadId).slice(before);
    await pass(30 * MINUTE);
    const quiet = updatesOf(leadId).length;
    await act(leadId, 'opportunity', { actionId: `won-${leadId}`, phase: 'won' });
    await runtime.settle();
    await pass(16 * MINUTE);

    // Assert
    expect(before).toBe(1);
    expect(timer).toMatchObject({ changes: 10, timerKind: 'crm-sync' });
    expect(atFourteen).toBe(before);
    expect(afterInterval).toHaveLength(1);
    const first = detailOf<Updated>(afterInterval[0]);
    expect(first.stage).toBe('opportunity');
    expect(first.crm.system).toBe('salesforce');
    expect(first.crm.record).toMatchObject({
      Status: 'Closed - Converted',
      LeadSource: 'Web', // from the first-touch channel group (direct), not the utm source
      Opportunity_Phase__c: '交渉',
      Opportunity_Amount__c: 3_000_000,
      Budget__c: '年間500万円',
      Timing__c: '下期',
      LastName: '山田',
    });
    expect(first.crm.record.Last_Activity_Date__c).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(quiet).toBe(before + 1);
    expect(updatesOf(leadId)).toHaveLength(before + 2);
    expect(detailOf<Updated>(updatesOf(leadId).at(-1)).stage).toBe('customer');
    expect(detailOf<Updated>(updatesOf(leadId).at(-1)).crm.record).toMatchObject({
      Opportunity_Phase__c: '受注',
    });
    expect(await syncTimerOf(leadId)).not.toHaveProperty('dueAt');
  });

  it('given a burst of 100 change events for one handed-off lead (delivered at once), then one timer counts them and exactly one Lead Updated follows', async () => {
    // Arrange: accepted, so the 30-minute accept deadline cannot pass in Tokyo business hours while the burst's
    // intervals run (a reassignment is a change sales cares about and would make a second Lead Updated).
    const leadId = await makeHotLead(runtime, uniqueEmail('burst'));
    await act(leadId, 'accept', { actionId: `a-${leadId}` });
    await runtime.settle();
    await pass(16 * MINUTE);
    const before = updatesOf(leadId).length;
    const event = (i: number) => ({
      version: '0',
      id: `burst-${i}`,
      source: 'leadloop.leads',
      'detail-type': i % 2 ? 'Lead Temperature Changed' : 'Lead Stage Changed',
      time: new Date(clockNow()).toISOString(),
      detail: { leadId, eventId: `${leadId}:burst:${i}` },
    });

    // Act
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) => runtime.invoke('crm-sync', event(i))),
    );
    const timer = await syncTimerOf(leadId);
    await pass(16 * MINUTE);
    await pass(16 * MINUTE);

    // Assert
    expect(outcomes.every((o) => (o as { outcome: string }).outcome === 'noted')).toBe(true);
    expect(timer).toMatchObject({ changes: 100 });
    expect(updatesOf(leadId)).toHaveLength(before + 1);
  });

  it('given a warm lead never handed off, when its stage changes, then nothing is armed and no Lead Updated is published', async () => {
    // Arrange
    const lead = await warmLead(uniqueEmail('nohandoff'));

    // Act
    const outcome = await runtime.invoke('crm-sync', {
      source: 'leadloop.leads',
      'detail-type': 'Lead Stage Changed',
      detail: { leadId: lead.leadId },
    });
    await pass(16 * MINUTE);

    // Assert
    expect(lead.handoff).toBeNull();
    expect(outcome).toEqual({ outcome: 'ignored' });
    expect(await syncTimerOf(lead.leadId)).toBeUndefined();
    expect(updatesOf(lead.leadId)).toHaveLength(0);
  });

  it('given BANTCH saved on a handed-off lead (no event announces it), then the save arms the sync and one Lead Updated carries it; on a lead never handed off it arms nothing', async () => {
    // Arrange: a handed-off lead with its first sync done, and a warm lead never handed off
    const leadId = await makeHotLead(runtime, uniqueEmail('bantch-sync'));
    await act(leadId, 'accept', { actionId: `a-${leadId}` });
    await runtime.settle();
    await pass(16 * MINUTE);
    const before = updatesOf(leadId).length;
    const warm = await warmLead(uniqueEmail('bantch-nohandoff'));

    // Act: BANTCH learned on a call, saved without a stage move
    await act(leadId, 'bantch', { actionId: `b-${leadId}`, bant: { budget: '年間800万円', timing: '来期' } });
    await act(warm.leadId, 'bantch', { actionId: `b-${warm.leadId}`, bant: { budget: '未定' } });
    await runtime.settle();
    const timer = await syncTimerOf(leadId);
    await pass(16 * MINUTE);

    // Assert
    expect(timer).toMatchObject({ changes: 1, timerKind: 'crm-sync' });
    const after = updatesOf(leadId).slice(before);
    expect(after).toHaveLength(1);
    expect(detailOf<Updated>(after[0]).stage).toBe('sal');
    expect(detailOf<Updated>(after[0]).crm.record).toMatchObject({
      Budget__c: '年間800万円',
      Timing__c: '来期',
    });
    expect(warm.handoff).toBeNull();
    expect(await syncTimerOf(warm.leadId)).toBeUndefined();
    expect(updatesOf(warm.leadId)).toHaveLength(0);
  });
});

describe('a double opt-in lead in the CRM', () => {
  it('given a double opt-in lead handed off before the person confirmed, then neither Lead Handed Off nor Lead Updated carries the address; after the confirmation one Lead Updated carries them', async () => {
    // Arrange: the webinar form has double opt-in; sales takes the unconfirmed lead from the call list.
    const email = uniqueEmail('doi-crm');
    const posted = await api(runtime).postForm('webinar', {
      email,
      lastName: '未確認',
      firstName: '花子',
      company: '株式会社確認待ち',
      title: '部長',
      consent: true,
    });
    expect(posted.status).toBe(201);
    await runtime.settle();
    const { leadId } = (await (
      await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`)
    ).json()) as { leadId: string };
    await act(leadId, 'handoff', { actionId: `h-${leadId}`, ownerId: 'suzuki', reason: '電話で確認' });
    await runtime.settle();
    await pass(16 * MINUTE);
    const beforeConfirmation = [...eventsOf(runtime, leadId, 'Lead Handed Off'), ...updatesOf(leadId)];

    // Act: the person follows the link in the confirmation request; the sync interval passes.
    const request = (await inbox(runtime.sesUrl, email)).find((m) => m.body.text?.includes('/v1/confirm?t='));
    const link = /(http:\/\/localhost:\d+\/v1\/confirm\?t=[\w.-]+)/.exec(request?.body.text ?? '')?.[1];
    const confirmed = await fetch(link ?? '', { method: 'POST' });
    await runtime.settle();
    const updatesBefore = updatesOf(leadId).length;
    await pass(16 * MINUTE);

    // Assert
    expect(beforeConfirmation.map((e) => e['detail-type'])).toEqual(['Lead Handed Off', 'Lead Updated']);
    for (const event of beforeConfirmation) {
      const record = detailOf<Updated>(event).crm.record;
      expect(record).not.toHaveProperty('Email');
      expect(JSON.stringify(record)).not.toContain(email);
      expect(record).toMatchObject({ LastName: '未確認', Company: '株式会社確認待ち' });
    }
    expect(confirmed.status).toBe(200);
    const after = updatesOf(leadId).slice(updatesBefore);
    expect(after).toHaveLength(1);
    expect(detailOf<Updated>(after[0]).crm.record).toMatchObject({
      Email: email,
      LastName: '未確認',
    });
  });
});
