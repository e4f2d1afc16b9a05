import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { now as clockNow } from '#adapters/clock';
import type { Runtime } from '#local/runtime';
import { api, startTestRuntime, uniqueEmail } from '../support/runtime.ts';

/**
 * A visitor researches for weeks before the form that identifies them: their anonymous history (kept up to
 * 90 days) is stitched to the lead after the form post and scored like live browsing, decayed from when it
 * happened. The pricing pages are a capped rule (5 points, at most 15 a day), and the history is older than
 * the late-event window (7 days): nothing the lead had earned limits it, so it must not earn 0.
 */
let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const DAY_MS = 86_400_000;
const TOKYO_OFFSET_MS = 9 * 3_600_000;
/** Up to `minutesBack` ago, but on today's Tokyo date: cap periods and decay steps are Tokyo days. */
const earlierToday = (minutesBack: number): number => {
  const now = clockNow();
  const tokyoMidnight = Math.floor((now + TOKYO_OFFSET_MS) / DAY_MS) * DAY_MS - TOKYO_OFFSET_MS;
  return Math.max(tokyoMidnight, now - minutesBack * 60_000);
};

interface LeadView {
  leadId: string;
  score: { fit: number; behaviour: number; total: number };
  timeline: { type: string; points: number; rule: string | null; url?: string; occurredAt: string }[];
}

const tokyoDay = (t: number): number => Math.floor((t + TOKYO_OFFSET_MS) / DAY_MS);
const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Fit 21, the whitepaper's 10 and the pricing views' 15, each halved every 30 whole Tokyo days until `at`. */
const expectedScore = (formAt: number, viewsAt: number, at: number) => {
  const decay = (from: number) => 2 ** (-(tokyoDay(at) - tokyoDay(from)) / 30);
  const behaviour = round1(10 * decay(formAt) + 15 * decay(viewsAt));
  return { fit: 21, behaviour, total: round1(21 + behaviour) };
};

const leadView = async (email: string): Promise<LeadView> =>
  (await (await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`)).json()) as LeadView;

const track = async (events: unknown[]) => {
  const response = await fetch(`${runtime.apiUrl}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ events, sentAt: new Date(clockNow()).toISOString() }),
  });
  return (await response.json()) as { accepted: number; rejected: unknown[] };
};

const pricingView = (anonymousId: string, at: number) => ({
  eventId: randomUUID(),
  type: 'page_view',
  anonymousId,
  url: 'https://www.example.co.jp/ja/pricing',
  title: '料金プラン',
  occurredAt: new Date(at).toISOString(),
});

describe('stitching a visitor history older than the late-event window', () => {
  it('given four pricing views twelve days before the whitepaper form, when the history is stitched, then they earn their capped 15 points decayed by twelve days, and a rescore agrees', async () => {
    // Arrange: four views on one day (the fourth is over the day's cap of 15), then twelve days pass.
    const anonymousId = randomUUID();
    const start = earlierToday(30);
    expect(await track([0, 1, 2, 3].map((i) => pricingView(anonymousId, start + i * 1000)))).toEqual({
      accepted: 4,
      rejected: [],
    });
    await runtime.advanceClock(12 * DAY_MS);
    const email = uniqueEmail('stitch-history');

    // Act: the whitepaper form identifies the visitor; the sweeper stitches the history.
    const posted = await api(runtime).postForm('whitepaper', {
      email,
      lastName: '山田',
      firstName: '花子',
      company: '株式会社サンプル',
      title: '情報システム部 部長',
      employees: '300-999',
      consent: true,
      _anonymousId: anonymousId,
    });
    expect(posted.status).toBe(201);
    await runtime.sweep();
    const readAt = clockNow();
    const lead = await leadView(email);

    // Assert: fit 21, whitepaper 10, the pricing views 15 (their day's cap) decayed by the whole Tokyo days
    // since (twelve; a 30-day half-life)
    const views = lead.timeline.filter((e) => e.type === 'page_view');
    expect(views.map((e) => e.rule)).toEqual([
      'product-pages',
      'product-pages',
      'product-pages',
      'product-pages',
    ]);
    expect(views.map((e) => e.points).sort((a, b) => a - b)).toEqual([0, 5, 5, 5]);
    const formAt = Date.parse(lead.timeline.find((e) => e.type === 'form_submitted')?.occurredAt ?? '');
    expect(tokyoDay(readAt) - tokyoDay(start)).toBeGreaterThanOrEqual(12);
    expect(lead.score).toEqual(expectedScore(formAt, start, readAt));

    // A rescore of the same events under the same config gives the same score.
    const { rescoreLead } = await import('../../scripts/rescore.ts');
    const { settings } = await import('#config/settings');
    await rescoreLead(lead.leadId, { config: settings.scoring, now: clockNow() });
    const rereadAt = clockNow();
    expect((await leadView(email)).score).toEqual(expectedScore(formAt, start, rereadAt));
  });
});

describe('stitching a long visitor history', () => {
  it('given a visitor with 320 anonymous page views, when the form post identifies them and the sweeper stitches them, then all 320 join the timeline and the next live page view still counts', async () => {
    // Arrange: 16 beacons of 20 views (within the visitor bound of 500, over the live bound of 300 an hour).
    const anonymousId = randomUUID();
    const at = earlierToday(30);
    for (let beacon = 0; beacon < 16; beacon++) {
      const views = Array.from({ length: 20 }, (_, i) => ({
        eventId: randomUUID(),
        type: 'page_view',
        anonymousId,
        url: `https://www.example.co.jp/ja/blog/${beacon * 20 + i}`,
        occurredAt: new Date(at).toISOString(),
      }));
      expect(await track(views)).toEqual({ accepted: 20, rejected: [] });
    }
    const email = uniqueEmail('stitch-long');

    // Act: the form post, four sweeps (100 events a run), then a live view.
    const posted = await api(runtime).postForm('contact', {
      email,
      lastName: '山田',
      firstName: '次郎',
      company: '株式会社サンプル',
      title: '部長',
      consent: true,
      _anonymousId: anonymousId,
    });
    expect(posted.status).toBe(201);
    for (let run = 0; run < 4; run++) await runtime.sweep();
    const live = await track([
      { eventId: randomUUID(), type: 'page_view', anonymousId, url: 'https://www.example.co.jp/ja/pricing' },
    ]);
    const { leadId } = (await (
      await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`)
    ).json()) as LeadView;
    const { getTimeline } = await import('#store/leads');
    const timeline = await getTimeline(leadId, Number.MAX_SAFE_INTEGER);

    // Assert: the history was bounded when it was kept; stitching it is not a page loop
    expect(timeline.filter((e) => e.url?.includes('/ja/blog/'))).toHaveLength(320);
    expect(live).toEqual({ accepted: 1, rejected: [] });
    expect(timeline.filter((e) => e.url?.includes('/ja/pricing'))).toHaveLength(1);
  }, 120_000);
});
