import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { api, inbox, startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import { leadByEmail as leadByEmailOf, person } from './capture-support.ts';

/**
 * Issue 10, forms side: limits on capture mail. Its own file, so its own table and counters: the
 * per-source limit counts every post of the file (they all come from 127.0.0.1).
 */

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const postJson = (formId: string, body: unknown, headers: Record<string, string> = {}) =>
  api(runtime).postForm(formId, body, headers);

const leadByEmail = (email: string) => leadByEmailOf(runtime, email);

describe('abuse limits on capture mail', () => {
  it('given 6 posts of one address in a day, when captured, then all are stored and only 3 mails go out', async () => {
    const email = uniqueEmail('flood');
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await postJson('whitepaper', person(email))).status);
    expect(statuses).toEqual(Array(6).fill(201));
    expect((await leadByEmail(email)).body.timeline.filter((t) => t.type === 'form_submitted')).toHaveLength(
      6,
    );
    expect(await inbox(runtime.sesUrl, email)).toHaveLength(3);
  });

  it('given 6 posts of a new address at once, when captured, then one creates the lead and only 3 mails go out (the creating post writes no count; the others count its mail)', async () => {
    const email = uniqueEmail('flood-at-once');
    const statuses = await Promise.all(
      Array.from({ length: 6 }, async () => (await postJson('whitepaper', person(email))).status),
    );
    expect(statuses).toEqual(Array(6).fill(201));
    expect(await inbox(runtime.sesUrl, email)).toHaveLength(3);
  });

  it('given a window whose units were all used before its count item existed, when a unit is asked, then none is left; below the limit the count starts from them', async () => {
    const { takeQuota } = await import('#store/quotas');
    const window = { key: 'day:1', endsAt: Date.now() + 86_400_000 };
    const subject = uniqueEmail('quota-store');
    expect(await takeQuota('test-before', `${subject}-full`, window, 1, 1)).toBe(false);
    const takes = [];
    for (let i = 0; i < 3; i++) takes.push(await takeQuota('test-before', subject, window, 3, 1));
    expect(takes).toEqual([true, true, false]);
  });

  it('given 25 addresses posted from one source IP within the hour, when captured, then every lead is stored and at most 20 mails go out', async () => {
    const emails = Array.from({ length: 25 }, (_, i) => uniqueEmail(`source${i}`));
    for (const email of emails) expect((await postJson('whitepaper', person(email))).status).toBe(201);
    let mails = 0;
    for (const email of emails) {
      expect((await leadByEmail(email)).status).toBe(200);
      mails += (await inbox(runtime.sesUrl, email)).length;
    }
    expect(mails).toBeLessThanOrEqual(20);
    expect(25 - mails).toBeGreaterThanOrEqual(5);
  }, 60_000);
});
