import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

/** The snippet's UTM persistence: first and last UTM set kept across pages, first set put in the form. */
const source = readFileSync('examples/ma.js', 'utf8');

function openPage(href: string, storage: Map<string, string>, referrer = '') {
  const inputs = new Map<string, { value: string }>(
    ['_anonymousId', 'utm_source', 'utm_medium', 'utm_campaign', '_referrer', '_landingUrl'].map((n) => [
      n,
      { value: '' },
    ]),
  );
  const beacons: { events: { type: string; properties: Record<string, string> }[] }[] = [];
  const document = {
    currentScript: { getAttribute: () => null },
    readyState: 'complete',
    title: 't',
    referrer,
    cookie: '',
    querySelectorAll: (selector: string) => {
      const name = /name="([^"]+)"/.exec(selector)?.[1] ?? '';
      const input = inputs.get(name);
      return input ? [input] : [];
    },
    addEventListener: () => undefined,
  };
  const window: Record<string, unknown> = {
    document,
    navigator: {
      sendBeacon: (_url: string, blob: Blob) => {
        void blob.text().then((t) => beacons.push(JSON.parse(t)));
        return true;
      },
    },
    location: { href, search: href.includes('?') ? href.slice(href.indexOf('?')) : '', protocol: 'https:' },
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
  return { ma: window.ma as { identify(t: string): void }, inputs, beacons };
}

describe('tracking snippet UTM persistence', () => {
  it('given a visitor from an ad who posts the form on a later, untagged page, when the form is filled, then it carries the first UTM set and referrer', () => {
    const storage = new Map<string, string>();
    openPage(
      'https://www.example.co.jp/lp?utm_source=google&utm_medium=cpc&utm_campaign=%E5%86%AC',
      storage,
      'https://www.google.com/',
    );
    const later = openPage('https://www.example.co.jp/contact', storage, 'https://www.example.co.jp/lp');

    expect(later.inputs.get('utm_source')?.value).toBe('google');
    expect(later.inputs.get('utm_medium')?.value).toBe('cpc');
    expect(later.inputs.get('utm_campaign')?.value).toBe('冬');
    expect(later.inputs.get('_referrer')?.value).toBe('https://www.google.com/');
  });

  it('given a second tagged visit, when the visitor identifies, then the first and the last UTM sets are sent', async () => {
    const storage = new Map<string, string>();
    openPage('https://www.example.co.jp/lp?utm_source=google&utm_medium=cpc', storage);
    const page = openPage('https://www.example.co.jp/lp?utm_source=newsletter&utm_medium=email', storage);

    page.ma.identify('token-123');
    await new Promise((r) => setTimeout(r, 0));

    const identify = page.beacons.flatMap((b) => b.events).find((e) => e.type === 'identify');
    expect(identify?.properties).toEqual({
      first_utm_source: 'google',
      first_utm_medium: 'cpc',
      last_utm_source: 'newsletter',
      last_utm_medium: 'email',
    });
    expect(page.inputs.get('utm_source')?.value).toBe('google');
  });
});
