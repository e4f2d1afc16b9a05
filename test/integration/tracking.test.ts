import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { now as clockNow } from '#adapters/clock';
import type { Runtime } from '#local/runtime';
import { startTestRuntime, uniqueEmail } from '../support/runtime.ts';

/**
 * Behaviour tracking end to end on DynamoDB Local: the real track, ops-events, capture and ops-leads handlers
 * behind the local API, the real publisher behind the outbox stream.
 *
 * The demo lead: 1,000-4,999 employees (+10), 部長 (+8), a company address (+5) = fit 23. The inquiry form
 * adds 50 (73: warm, MQL); a pricing view 5 (78); a white-paper download 10 (88: hot, threshold 80); webinar
 * attendance 20 (108).
 */
let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

interface TrackResponse {
  status: number;
  body: { accepted: number; rejected: { index: number; reason: string }[] };
}

/**
 * Behaviour points decay in whole Tokyo days (`step: 'day'`), so events meant to carry their full points must
 * fall on today's Tokyo date: `minutesBack` ago, but never before today's Tokyo midnight (a run at 00:10 JST
 * would otherwise put them on yesterday and see them decayed by a day).
 */
const TOKYO_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;
const earlierToday = (minutesBack: number): number => {
  const now = clockNow();
  const tokyoMidnight = Math.floor((now + TOKYO_OFFSET_MS) / DAY_MS) * DAY_MS - TOKYO_OFFSET_MS;
  return Math.max(tokyoMidnight, now - minutesBack * 60_000);
};

const track = async (events: unknown[], contentType = 'text/plain'): Promise<TrackResponse> => {
  const response = await fetch(`${runtime.apiUrl}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: JSON.stringify({ events }),
  });
  return { status: response.status, body: (await response.json()) as TrackResponse['body'] };
};

const opsEvents = async (events: unknown[]): Promise<TrackResponse> => {
  const response = await fetch(`${runtime.apiUrl}/v1/ops/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${runtime.opsToken}` },
    body: JSON.stringify({ events }),
  });
  return { status: response.status, body: (await response.json()) as TrackResponse['body'] };
};

const postContact = async (email: string, anonymousId?: string) => {
  const response = await fetch(`${runtime.apiUrl}/v1/forms/contact`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      email,
      lastName: '佐藤',
      firstName: '花子',
      company: '株式会社サンプル製作所',
      title: '情報システム部 部長',
      employees: '1000-4999',
      consent: true,
      ...(anonymousId ? { _anonymousId: anonymousId } : {}),
    }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { identity: string };
};

interface LeadView {
  leadId: string;
  stage: string;
  temperature: string;
  score: { fit: number; behaviour: number; total: number };
  timeline: { eventId: string; type: string; points: number; rule: string | null; occurredAt: string }[];
}

const leadByEmail = async (email: string): Promise<LeadView> => {
  const response = await fetch(`${runtime.apiUrl}/v1/ops/leads?email=${encodeURIComponent(email)}`, {
    headers: { authorization: `Bearer ${runtime.opsToken}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as LeadView;
};

const leadById = async (leadId: string): Promise<LeadView> => {
  const response = await fetch(`${runtime.apiUrl}/v1/ops/leads/${leadId}`, {
    headers: { authorization: `Bearer ${runtime.opsToken}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as LeadView;
};

/** A new lead that posted the inquiry form: fit 23 + 50 = 73, warm. */
const newInquiryLead = async (label: string, anonymousId?: string) => {
  const email = uniqueEmail(label);
  const { identity } = await postContact(email, anonymousId);
  const lead = await leadByEmail(email);
  return { email, identity, leadId: lead.leadId };
};

const temperatureEvents = (leadId: string) =>
  runtime
    .events()
    .filter((e) => e['detail-type'] === 'Lead Temperature Changed')
    .map((e) => e.detail as { leadId: string; from: string | null; to: string; score: { total: number } })
    .filter((d) => d.leadId === leadId);

const pageView = (over: Record<string, unknown>) => ({
  eventId: randomUUID(),
  type: 'page_view',
  url: 'https://www.example.co.jp/ja/pricing',
  title: '料金プラン｜株式会社サンプル',
  referrer: 'https://www.google.co.jp/',
  properties: {},
  occurredAt: new Date(clockNow()).toISOString(),
  ...over,
});

describe('POST /v1/track and /v1/ops/events: the inquiry-to-hot flow', () => {
  it('given a lead that posts the inquiry form, when it views pricing, downloads a paper and attends a webinar, then each step shows its points and it turns hot exactly once at 80', async () => {
    // Arrange
    const { email, identity, leadId } = await newInquiryLead('done-when');
    const anonymousId = randomUUID();

    // Act
    const pricing = await track([pageView({ identity, anonymousId })]);
    const afterPricing = await leadById(leadId);
    const download = await track([
      {
        eventId: randomUUID(),
        type: 'download',
        identity,
        anonymousId,
        url: 'https://www.example.co.jp/downloads/ma-guide-2025.pdf',
        title: 'MA導入ガイド2025',
        properties: { asset: 'ma-guide-2025.pdf' },
        occurredAt: new Date(clockNow()).toISOString(),
      },
    ]);
    const afterDownload = await leadById(leadId);
    const webinar = await opsEvents([
      {
        eventId: 'zoom:84512:attended',
        type: 'webinar_attended',
        email,
        properties: { webinarId: 'w-2025-06' },
      },
    ]);
    await runtime.settle();
    const lead = await leadById(leadId);

    // Assert
    for (const response of [pricing, download, webinar]) {
      expect(response).toEqual({ status: 202, body: { accepted: 1, rejected: [] } });
    }
    expect(afterPricing.score.total).toBe(78);
    expect(afterPricing.temperature).toBe('warm');
    expect(afterDownload.score.total).toBe(88);
    expect(afterDownload.temperature).toBe('hot');
    expect(lead.score).toEqual({ fit: 23, behaviour: 85, total: 108 });
    expect(lead.stage).toBe('mql');
    const steps = lead.timeline.map((e) => [e.type, e.rule, e.points]);
    expect(steps).toEqual(
      expect.arrayContaining([
        ['form_submitted', 'contact-form', 50],
        ['page_view', 'product-pages', 5],
        ['download', 'download', 10],
        ['webinar_attended', 'webinar-attendance', 20],
      ]),
    );
    // Other capabilities add unscored entries (e.g. a sequence enrolment); the scored ones are these four.
    expect(lead.timeline.filter((e) => e.rule !== null)).toHaveLength(4);
    const changes = temperatureEvents(leadId);
    expect(changes.filter((d) => d.to === 'hot')).toHaveLength(1);
    expect(changes.find((d) => d.to === 'hot')).toMatchObject({ from: 'warm', score: { total: 88 } });
  });

  it('given a warm lead, when ten different downloads arrive at once, then it turns hot with exactly one event and every download counts', async () => {
    // Arrange
    const { identity, leadId } = await newInquiryLead('concurrent-hot');

    // Act
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        track([
          {
            eventId: randomUUID(),
            type: 'download',
            identity,
            url: `https://www.example.co.jp/downloads/case-${i}.pdf`,
            occurredAt: new Date(clockNow()).toISOString(),
          },
        ]),
      ),
    );
    await runtime.settle();
    // Events that lost the race for the lead under contention are parked and scored by the sweeper (every
    // minute in AWS): run it until nothing is parked (a claim cut short under load returns after its lease).
    const { pendingEvents } = await import('#store/pending-events');
    const { CLAIM_LEASE_MS } = await import('#store/timers');
    for (let i = 0; i < 40 && (await pendingEvents(leadId)).length > 0; i++) {
      await runtime.sweep();
      if (i % 4 === 3) await runtime.advanceClock(CLAIM_LEASE_MS + 1_000);
    }
    await runtime.settle();
    const lead = await leadById(leadId);

    // Assert
    expect(responses.every((r) => r.status === 202 && r.body.accepted === 1)).toBe(true);
    expect(await pendingEvents(leadId)).toEqual([]);
    expect(lead.score.total).toBe(73 + 100);
    expect(lead.timeline.filter((e) => e.type === 'download')).toHaveLength(10);
    expect(temperatureEvents(leadId).filter((d) => d.to === 'hot')).toHaveLength(1);
  });
});

describe('POST /v1/track: each event counts once', () => {
  it('given the same eventId posted twice, when tracked, then both are accepted and it counts once', async () => {
    // Arrange
    const { identity, leadId } = await newInquiryLead('replay');
    const event = pageView({ identity });

    // Act
    const first = await track([event]);
    const second = await track([event]);
    const lead = await leadById(leadId);

    // Assert
    expect(first.body).toEqual({ accepted: 1, rejected: [] });
    expect(second.body).toEqual({ accepted: 1, rejected: [] });
    expect(lead.score.total).toBe(78);
    expect(lead.timeline.filter((e) => e.type === 'page_view')).toHaveLength(1);
  });

  it('given the same eventId posted ten times concurrently, when tracked, then it counts once', async () => {
    // Arrange
    const { identity, leadId } = await newInquiryLead('replay-concurrent');
    const event = {
      eventId: randomUUID(),
      type: 'download',
      identity,
      url: 'https://www.example.co.jp/downloads/ma-guide-2025.pdf',
    };

    // Act
    const responses = await Promise.all(Array.from({ length: 10 }, () => track([event])));
    await runtime.settle();
    const lead = await leadById(leadId);

    // Assert
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(202));
    expect(lead.score.total).toBe(83);
    expect(lead.timeline.filter((e) => e.type === 'download')).toHaveLength(1);
    expect(temperatureEvents(leadId).filter((d) => d.to === 'hot')).toHaveLength(1);
  });

  it('given the same event twice in one batch, when tracked, then it counts once', async () => {
    const { identity, leadId } = await newInquiryLead('replay-batch');
    const event = pageView({ identity });

    const response = await track([event, event]);
    const lead = await leadById(leadId);

    expect(response.body).toEqual({ accepted: 2, rejected: [] });
    expect(lead.score.total).toBe(78);
  });

  it('given capped pricing views arriving newest first, when tracked, then the score equals the in-order lead and the timeline is in time order', async () => {
    // Arrange: two leads see the same four pricing views (cap 15 a day), one in order, one reversed.
    const inOrder = await newInquiryLead('in-order');
    const reversed = await newInquiryLead('out-of-order');
    const base = earlierToday(60);
    const times = [0, 1, 2, 3].map((i) => new Date(base + i * 60_000).toISOString());

    // Act
    await track(times.map((occurredAt) => pageView({ identity: inOrder.identity, occurredAt })));
    for (const occurredAt of [...times].reverse())
      await track([pageView({ identity: reversed.identity, occurredAt })]);
    const a = await leadById(inOrder.leadId);
    const b = await leadById(reversed.leadId);

    // Assert
    expect(a.score.total).toBe(73 + 15);
    expect(b.score).toEqual(a.score);
    const views = b.timeline.filter((e) => e.type === 'page_view');
    expect(views.map((e) => e.occurredAt)).toEqual([...times].reverse()); // newest first
    expect(views.reduce((sum, e) => sum + e.points, 0)).toBe(15);
  });
});

describe('POST /v1/track: anonymous visitors and stitching', () => {
  it('given anonymous page views before the inquiry form, when the form is posted with _anonymousId, then they join the timeline and are scored', async () => {
    // Arrange
    const anonymousId = randomUUID();
    const early = earlierToday(30);
    const before = await track([
      pageView({ anonymousId, occurredAt: new Date(early).toISOString() }),
      pageView({
        anonymousId,
        url: 'https://www.example.co.jp/product/ma',
        occurredAt: new Date(early + 60_000).toISOString(),
      }),
      pageView({
        anonymousId,
        url: 'https://www.example.co.jp/blog/seo',
        occurredAt: new Date(early + 120_000).toISOString(),
      }),
    ]);

    // Act
    const { leadId } = await newInquiryLead('stitch', anonymousId);
    // The form post arms a `stitch` timer; the sweeper scores the earlier events after the response.
    await runtime.sweep();
    const lead = await leadById(leadId);
    const after = await track([pageView({ anonymousId, url: 'https://www.example.co.jp/case-studies' })]);
    const later = await leadById(leadId);

    // Assert
    expect(before.body).toEqual({ accepted: 3, rejected: [] });
    expect(lead.timeline.map((e) => [e.type, e.rule, e.points])).toEqual(
      expect.arrayContaining([
        ['form_submitted', 'contact-form', 50],
        ['page_view', 'product-pages', 5],
        ['page_view', 'product-pages', 5],
        ['page_view', 'page-view', 1],
      ]),
    );
    expect(lead.score.total).toBe(73 + 11);
    // The anonymous id is now linked: later events without the identity token reach the lead.
    expect(after.body.accepted).toBe(1);
    expect(later.score.total).toBe(73 + 12);
  });

  it('given an identity token and an anonymous id not yet linked, when tracked, then the anonymous history is stitched to the lead', async () => {
    // Arrange: the form was posted without the snippet's id (e.g. from another page).
    const { identity, leadId } = await newInquiryLead('stitch-by-token');
    const anonymousId = randomUUID();
    await track([pageView({ anonymousId, occurredAt: new Date(earlierToday(1)).toISOString() })]);
    const unlinked = await leadById(leadId);

    // Act
    const response = await track([
      pageView({ identity, anonymousId, url: 'https://www.example.co.jp/about' }),
    ]);
    const lead = await leadById(leadId);

    // Assert
    expect(unlinked.score.total).toBe(73);
    expect(response.body).toEqual({ accepted: 1, rejected: [] });
    expect(lead.score.total).toBe(73 + 5 + 1);
    expect(lead.timeline.filter((e) => e.type === 'page_view')).toHaveLength(2);
    // Remembered on the profile, so erasing the lead also finds its anonymous history.
    const { getLead } = await import('#store/leads');
    expect((await getLead(leadId))?.profile.anonymousIds).toContain(anonymousId);
  });

  it('given an anonymous visitor over its bound (500 per 90 days), when more events come, then only 500 are kept and the rest are rejected as rate_limited; replays still count as accepted', async () => {
    // Arrange: 26 beacons of 20 events (520).
    const anonymousId = randomUUID();
    const beacons = Array.from({ length: 26 }, () =>
      Array.from({ length: 20 }, () => pageView({ anonymousId, url: 'https://www.example.co.jp/blog' })),
    );

    // Act
    const responses = [];
    for (const beacon of beacons) responses.push(await track(beacon));
    const replay = await track(beacons[0] ?? []);
    const { anonymousEventPages } = await import('#store/anonymous');
    let stored = 0;
    for await (const page of anonymousEventPages(anonymousId)) stored += page.length;

    // Assert
    expect(responses.reduce((sum, r) => sum + r.body.accepted, 0)).toBe(500);
    expect(responses.at(-1)?.body.rejected).toHaveLength(20);
    expect(responses.at(-1)?.body.rejected.every((r) => r.reason === 'rate_limited')).toBe(true);
    expect(stored).toBe(500);
    expect(replay.body).toEqual({ accepted: 20, rejected: [] });
  });

  it('given a forged identity token and no anonymous id, when tracked, then the event is rejected as invalid_identity and nothing changes', async () => {
    const { identity, leadId } = await newInquiryLead('forged');
    const forged = `${identity.split('.')[0]}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;

    const response = await track([pageView({ identity: forged })]);
    const lead = await leadById(leadId);

    expect(response.body).toEqual({ accepted: 0, rejected: [{ index: 0, reason: 'invalid_identity' }] });
    expect(lead.score.total).toBe(73);
  });
});

describe('POST /v1/track and /v1/ops/events: refusals', () => {
  it('given a browser event naming a leadId, when tracked, then it is rejected and the lead is untouched', async () => {
    const { leadId } = await newInquiryLead('no-lead-id');

    const response = await track([pageView({ leadId, anonymousId: randomUUID() })]);
    const lead = await leadById(leadId);

    expect(response.body.rejected).toEqual([{ index: 0, reason: 'identity_not_allowed' }]);
    expect(lead.score.total).toBe(73);
  });

  it('given a mixed batch, when tracked, then good events count and bad ones are listed by index', async () => {
    const { identity, leadId } = await newInquiryLead('mixed');

    const response = await track(
      [
        pageView({ identity }),
        pageView({ identity, occurredAt: new Date(clockNow() + 3_600_000).toISOString() }),
        { ...pageView({ identity }), type: 'form_submitted', properties: { formId: 'contact' } },
        pageView({ identity, occurredAt: new Date(clockNow() - 8 * 86_400_000).toISOString() }),
      ],
      'application/json',
    );
    const lead = await leadById(leadId);

    expect(response).toEqual({
      status: 202,
      body: {
        accepted: 1,
        rejected: [
          { index: 1, reason: 'occurred_in_future' },
          { index: 2, reason: 'type_not_allowed' },
          { index: 3, reason: 'too_old' },
        ],
      },
    });
    expect(lead.score.total).toBe(78);
  });

  it.each([
    { label: 'a body that is not JSON', contentType: 'text/plain', body: '{"events": [', status: 400 },
    { label: 'a JSON array', contentType: 'application/json', body: '[]', status: 400 },
    {
      label: '21 events',
      contentType: 'application/json',
      body: JSON.stringify({ events: Array(21).fill({ type: 'page_view' }) }),
      status: 400,
    },
    {
      label: 'a form body',
      contentType: 'application/x-www-form-urlencoded',
      body: 'type=page_view',
      status: 415,
    },
    {
      label: 'a body over 32 KB',
      contentType: 'text/plain',
      body: JSON.stringify({ events: [{ title: 'x'.repeat(40_000) }] }),
      status: 413,
    },
  ])(
    'given $label, when posted to /v1/track, then it answers $status and changes nothing',
    async ({ contentType, body, status }) => {
      const response = await fetch(`${runtime.apiUrl}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
      });
      const text = await response.text();

      expect(response.status).toBe(status);
      expect(text).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    },
  );

  it('given an origin that is not allowed, when tracked, then 403', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://evil.example' },
      body: JSON.stringify({ events: [pageView({ anonymousId: randomUUID() })] }),
    });
    expect(response.status).toBe(403);
  });

  it('given a trusted event for an unknown lead, when posted to /v1/ops/events, then it is rejected as unknown_lead', async () => {
    const response = await opsEvents([
      { type: 'webinar_attended', email: uniqueEmail('nobody') },
      { type: 'webinar_attended', leadId: randomUUID() },
    ]);
    expect(response).toEqual({
      status: 202,
      body: {
        accepted: 0,
        rejected: [
          { index: 0, reason: 'unknown_lead' },
          { index: 1, reason: 'unknown_lead' },
        ],
      },
    });
  });

  it('given a trusted event by leadId, when posted twice to /v1/ops/events, then it counts once', async () => {
    const { leadId } = await newInquiryLead('ops-by-id');
    const event = { eventId: 'crm:opp-42:registered', type: 'webinar_registered', leadId };

    const first = await opsEvents([event]);
    const second = await opsEvents([event]);
    const lead = await leadById(leadId);

    expect(first.body.accepted).toBe(1);
    expect(second.body.accepted).toBe(1);
    expect(lead.score.total).toBe(83);
  });

  it.each(['constructor', '__proto__', 'prototype'])(
    'given a batch whose third event has a property named %s, when posted to /v1/track and /v1/ops/events, then that event is rejected, the others count, and a retry changes nothing',
    async (name) => {
      // Arrange
      const { identity, leadId } = await newInquiryLead(`reserved-${name.replace(/_/g, '')}`);
      const events = [
        { ...pageView({ identity }), url: 'https://www.example.co.jp/pricing' },
        { eventId: randomUUID(), type: 'download', identity, url: 'https://www.example.co.jp/d/a.pdf' },
      ];
      const body = `{"events":[${events.map((e) => JSON.stringify(e)).join(',')},{"eventId":"${randomUUID()}","type":"download","identity":"${identity}","properties":{"${name}":"x"}}]}`;
      const opsBody = `{"events":[{"eventId":"crm:${name}-1","type":"webinar_registered","leadId":"${leadId}","properties":{"${name}":"x"}},{"eventId":"crm:${name}-2","type":"webinar_registered","leadId":"${leadId}"}]}`;
      const post = (path: string, payload: string, auth: boolean) =>
        fetch(`${runtime.apiUrl}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(auth ? { authorization: `Bearer ${runtime.opsToken}` } : {}),
          },
          body: payload,
        });

      // Act
      const first = await post('/v1/track', body, false);
      const retry = await post('/v1/track', body, false);
      const ops = await post('/v1/ops/events', opsBody, true);
      const lead = await leadById(leadId);

      // Assert
      for (const response of [first, retry])
        expect({ status: response.status, body: await response.json() }).toEqual({
          status: 202,
          body: { accepted: 2, rejected: [{ index: 2, reason: 'invalid_properties' }] },
        });
      expect({ status: ops.status, body: await ops.json() }).toEqual({
        status: 202,
        body: { accepted: 1, rejected: [{ index: 0, reason: 'invalid_properties' }] },
      });
      expect(lead.score.total).toBe(73 + 5 + 10 + 10);
    },
  );

  it('given a browser event without eventId, when tracked, then it is rejected as missing_event_id and nothing changes', async () => {
    const { identity, leadId } = await newInquiryLead('no-event-id');

    const response = await track([{ ...pageView({ identity }), eventId: undefined }]);
    const lead = await leadById(leadId);

    expect(response.body).toEqual({ accepted: 0, rejected: [{ index: 0, reason: 'missing_event_id' }] });
    expect(lead.score.total).toBe(73);
  });

  it('given a trusted event without eventId posted twice (a webhook retry), when ingested, then it counts once', async () => {
    const { email, leadId } = await newInquiryLead('derived-id');
    const event = { type: 'webinar_attended', email, properties: { webinarId: 'w-2025-06' } };

    const first = await opsEvents([event]);
    const retry = await opsEvents([event]);
    const lead = await leadById(leadId);

    expect(first.body).toEqual({ accepted: 1, rejected: [] });
    expect(retry.body).toEqual({ accepted: 1, rejected: [] });
    expect(lead.score.total).toBe(73 + 20);
    expect(lead.timeline.filter((e) => e.type === 'webinar_attended')).toHaveLength(1);
  });

  it('given no ops token, when posting to /v1/ops/events, then it is refused before the handler runs', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/ops/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ type: 'webinar_attended', leadId: 'x' }] }),
    });
    expect(response.status).toBe(401); // no bearer token: the JWT authorizer's answer
  });
});
