import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

/** examples/ma.js runs in a fake browser (vm context) so its contract with POST /v1/track is checked. */
const source = readFileSync(new URL('../../../examples/ma.js', import.meta.url), 'utf8');

interface SentRequest {
  via: 'beacon' | 'fetch';
  url: string;
  type: string;
  body: { events: Record<string, unknown>[] };
}

interface Ma {
  track(type: string, props?: Record<string, unknown>): string | null;
  identify(token: string): void;
  optOut(): void;
  optIn(): void;
  anonymousId(): string | null;
  flush(): void;
  _onFormResponse(json: unknown): void;
}

interface BrowserOptions {
  storage?: Map<string, string>;
  cookies?: Map<string, string>;
  doNotTrack?: string;
  beacon?: boolean;
  fetchOk?: boolean;
  api?: string;
}

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Loads the snippet into a fresh page sharing `storage`/`cookies` with earlier pages when given. */
async function openPage(options: BrowserOptions = {}) {
  const storage = options.storage ?? new Map<string, string>();
  const cookies = options.cookies ?? new Map<string, string>();
  const sent: SentRequest[] = [];
  const inputs = [{ value: '' }];
  const record = async (via: SentRequest['via'], url: string, blob: Blob | string, type: string) => {
    const text = typeof blob === 'string' ? blob : await blob.text();
    sent.push({ via, url, type, body: JSON.parse(text) });
  };
  const document = {
    currentScript: { getAttribute: (name: string) => (name === 'data-api' ? (options.api ?? '') : null) },
    readyState: 'complete',
    title: '資料ダウンロード',
    referrer: 'https://www.google.com/',
    get cookie() {
      return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    },
    set cookie(value: string) {
      const [pair = '', ...attributes] = value.split(';').map((s) => s.trim());
      const [name = '', cookieValue = ''] = pair.split('=');
      if (attributes.includes('Max-Age=0')) cookies.delete(name);
      else cookies.set(name, cookieValue);
    },
    querySelectorAll: (selector: string) => (selector === 'input[name="_anonymousId"]' ? inputs : []),
    addEventListener: () => undefined,
  };
  const window: Record<string, unknown> = {
    document,
    navigator: {
      doNotTrack: options.doNotTrack ?? null,
      sendBeacon:
        options.beacon === false
          ? undefined
          : (url: string, blob: Blob) => {
              void record('beacon', url, blob, blob.type);
              return true;
            },
    },
    location: { href: 'https://www.example.co.jp/lp?utm_source=google', protocol: 'https:' },
    localStorage: {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, String(v)),
      removeItem: (k: string) => void storage.delete(k),
    },
    crypto: globalThis.crypto,
    Blob,
    fetch: async (
      url: string,
      init: { body: string; headers: Record<string, string>; keepalive: boolean },
    ) => {
      expect(init.keepalive).toBe(true);
      if (!options.fetchOk) throw new TypeError('network down');
      await record('fetch', url, init.body, init.headers['Content-Type'] ?? '');
      return { ok: true, status: 202 };
    },
    addEventListener: () => undefined,
    setTimeout,
  };
  window.window = window;
  runInNewContext(source, window);
  await flushPromises();
  return { ma: window.ma as Ma, sent, storage, cookies, inputs };
}

describe('tracking snippet (examples/ma.js)', () => {
  it('given a first visit, when the page loads, then one page_view is beaconed as text/plain JSON', async () => {
    // Act
    const { sent, cookies, storage, inputs } = await openPage({ api: 'https://api.example.co.jp/' });

    // Assert
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request).toMatchObject({
      via: 'beacon',
      url: 'https://api.example.co.jp/v1/track',
      type: 'text/plain',
    });
    const event = request?.body.events[0];
    const anonymousId = cookies.get('ma_aid');
    expect(anonymousId).toMatch(/^[0-9a-f-]{36}$/);
    expect(storage.get('ma_aid')).toBe(anonymousId);
    expect(inputs[0]?.value).toBe(anonymousId);
    expect(event).toMatchObject({
      type: 'page_view',
      anonymousId,
      url: 'https://www.example.co.jp/lp?utm_source=google',
      title: '資料ダウンロード',
      referrer: 'https://www.google.com/',
      properties: {},
    });
    expect(event?.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(String(event?.occurredAt)).toISOString()).toBe(event?.occurredAt);
    expect(storage.has('ma_queue')).toBe(false);
  });

  it('given a returning visitor, when the page loads, then the same anonymous id is used', async () => {
    const first = await openPage();

    const second = await openPage({ storage: first.storage, cookies: first.cookies });

    expect(second.ma.anonymousId()).toBe(first.ma.anonymousId());
  });

  it('given the network is down, when an event fails, then it is retried on the next page under the same eventId', async () => {
    // Arrange: no beacon and a failing fetch keep the event queued.
    const offline = await openPage({ beacon: false, fetchOk: false });
    const queued = JSON.parse(offline.storage.get('ma_queue') ?? '[]') as { eventId: string }[];
    expect(queued).toHaveLength(1);

    // Act: the next page can reach the API.
    const online = await openPage({
      beacon: false,
      fetchOk: true,
      storage: offline.storage,
      cookies: offline.cookies,
    });

    // Assert
    const ids = online.sent.flatMap((r) => r.body.events.map((e) => e.eventId));
    expect(ids).toContain(queued[0]?.eventId);
    expect(online.sent[0]?.type).toBe('text/plain');
    expect(online.storage.has('ma_queue')).toBe(false);
  });

  it('given an identity token from a form response, when later events are tracked, then they carry it', async () => {
    const { ma, sent } = await openPage();

    ma._onFormResponse({ identity: 'tok.sig' });
    ma.track('download', { asset: 'guide.pdf' });
    await flushPromises();

    expect(sent.at(-1)?.body.events[0]).toMatchObject({
      type: 'download',
      identity: 'tok.sig',
      properties: { asset: 'guide.pdf' },
    });
  });

  it('given the visitor opts out, when events are tracked, then nothing is sent and the id cookie is gone', async () => {
    // Arrange
    const { ma, sent, cookies, storage, inputs } = await openPage();

    // Act
    ma.optOut();
    const eventId = ma.track('download');
    await flushPromises();

    // Assert
    expect(eventId).toBeNull();
    expect(sent).toHaveLength(1); // only the page view from before the opt-out
    expect(cookies.has('ma_aid')).toBe(false);
    expect(storage.has('ma_aid')).toBe(false);
    expect(inputs[0]?.value).toBe('');
    expect(ma.anonymousId()).toBeNull();
  });

  it('given an opted-out visitor, when a later page loads, then no page view is sent until optIn', async () => {
    const first = await openPage();
    first.ma.optOut();

    const next = await openPage({ storage: first.storage, cookies: first.cookies });
    expect(next.sent).toHaveLength(0);
    next.ma.optIn();
    next.ma.track('page_view');
    await flushPromises();

    expect(next.sent).toHaveLength(1);
  });

  it('given Do Not Track, when the page loads, then nothing is sent unless the visitor opts in', async () => {
    const { ma, sent, cookies } = await openPage({ doNotTrack: '1' });

    expect(sent).toHaveLength(0);
    expect(cookies.has('ma_aid')).toBe(false);
    ma.optIn();
    expect(ma.track('page_view')).not.toBeNull();
  });
});
