import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MAX_BATCH_EVENTS, parseTrackBatch } from '#domain/tracking/batch';

/**
 * The contract between examples/ma.js and POST /v1/track: whatever the snippet sends must be accepted as a
 * whole by the same parser the handler uses (the snippet drops a batch a 4xx answered, so a mismatch would
 * lose events silently).
 */
const source = readFileSync(new URL('../../../examples/ma.js', import.meta.url), 'utf8');

interface Beacon {
  url: string;
  type: string;
  body: unknown;
}

const loadSnippet = async (storage = new Map<string, string>()) => {
  const beacons: Promise<Beacon>[] = [];
  const window: Record<string, unknown> = {
    document: {
      currentScript: { getAttribute: (name: string) => (name === 'data-api' ? '' : null) },
      readyState: 'complete',
      title: '料金プラン｜株式会社サンプル',
      referrer: '',
      cookie: '',
      querySelectorAll: () => [],
      addEventListener: () => undefined,
    },
    navigator: {
      doNotTrack: null,
      sendBeacon: (url: string, blob: Blob) => {
        beacons.push(
          blob.text().then((text) => ({ url, type: blob.type, body: JSON.parse(text) as unknown })),
        );
        return true;
      },
    },
    location: {
      href: 'https://www.example.co.jp/ja/pricing?utm_source=google&utm_medium=cpc',
      protocol: 'https:',
    },
    localStorage: {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, String(v)),
      removeItem: (k: string) => void storage.delete(k),
    },
    crypto: globalThis.crypto,
    Blob,
    addEventListener: () => undefined,
    setTimeout,
  };
  window.window = window;
  runInNewContext(source, window);
  const ma = window.ma as {
    track(type: string, props?: Record<string, unknown>): string | null;
    identify(token: string): void;
  };
  return { ma, beacons };
};

describe('tracking snippet contract (examples/ma.js → POST /v1/track)', () => {
  it('given the snippet tracks a page view, a download and an identified event, when its beacons are parsed, then every event is accepted', async () => {
    // Arrange
    const { ma, beacons } = await loadSnippet();
    // Act
    ma.track('download', { asset: 'ma-guide-2025.pdf', size: 1024, gated: true });
    ma.identify('eyJwdXJwb3NlIjoiaWRlbnRpdHkifQ.c2lnbmF0dXJl');
    ma.track('webinar_registered', { webinarId: 'w-2025-06' });
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0)); // queued sends follow each other
    const sent = await Promise.all(beacons);
    // Assert
    expect(sent.length).toBeGreaterThan(0);
    for (const beacon of sent) {
      expect(beacon.url).toBe('/v1/track');
      expect(beacon.type).toBe('text/plain'); // readBody kind 'text-json'
      const parsed = parseTrackBatch(beacon.body, 'browser', { now: Date.now(), lateEventWindowDays: 7 });
      expect(parsed).toMatchObject({ ok: true, rejected: [] });
      // The browser's clock at sending, for the server to correct the events' times by.
      const sentAt = (beacon.body as { sentAt?: string }).sentAt ?? '';
      expect(Math.abs(Date.parse(sentAt) - Date.now())).toBeLessThan(60_000);
    }
    const events = sent.flatMap((b) => (b.body as { events: { type: string }[] }).events.map((e) => e.type));
    expect(events).toEqual(expect.arrayContaining(['page_view', 'download', 'webinar_registered']));
  });

  it('given the snippet batch size, when compared with the server bound, then the server accepts a full batch', () => {
    const batch = Number(/const BATCH = (\d+);/.exec(source)?.[1]);
    expect(batch).toBeLessThanOrEqual(MAX_BATCH_EVENTS);
  });

  it('given the snippet drops queued events older than a week, when compared with the late-event window, then it sends nothing the server refuses as too old', () => {
    const maxAgeDays = Number(/const MAX_EVENT_AGE_MS = (\d+) \* 864e5;/.exec(source)?.[1]);
    expect(maxAgeDays).toBeLessThanOrEqual(7);
  });
});
