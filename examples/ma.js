/*
 * ma.js: first-party tracking snippet of the lead loop. No dependencies, plain ES2017.
 *
 *   <script src="https://www.example.co.jp/ma.js" data-api="https://api.example.co.jp"></script>
 *
 * data-api          API base URL; "" (the default) means the page's own origin.
 * data-respect-dnt  "false" to ignore Do Not Track / Global Privacy Control (default: respected).
 *
 * window.ma:
 *   track(type, props)   queue an event; returns its eventId (null while opted out)
 *   identify(token)      keep the identity token a form response returned, so later events name the lead
 *   optOut() / optIn()   remembered choice; opted out = no events, id cookie and stored ids removed
 *   anonymousId()        the first-party id (cookie ma_aid + localStorage), null while opted out
 *   flush()              send queued events now
 *   _onFormResponse(json) used by landing pages after a form post (picks up json.identity)
 *
 * Attribution: the first and the latest UTM set (utm_source … utm_content, with the referrer and landing
 * URL of that page) are kept in localStorage (ma_utm_f, ma_utm_l). Forms get the FIRST set in their hidden
 * utm_* / _referrer / _landingUrl inputs (first touch: what brought the visitor), so a visitor who arrived
 * from an ad and posts a form three pages later is still counted as paid search; identify() sends both sets
 * (first_utm_*, last_utm_*) as an `identify` event.
 *
 * Privacy decision: a browser sending Do Not Track or Global Privacy Control counts as opted out until
 * the page calls ma.optIn() (an explicit choice, e.g. from a consent banner), which then wins.
 *
 * Delivery: every event is written to a localStorage queue first, then sent with sendBeacon (text/plain,
 * so no CORS preflight) or fetch(keepalive). Events stay queued until a send succeeds and are retried on
 * the next page or when the browser comes back online, always under the same eventId, so the server
 * counts each event once.
 */
(() => {
  const w = window;
  const d = document;
  const n = navigator;
  if (w.ma ? w.ma.v : false) return; // loaded twice on one page

  const script = d.currentScript;
  const attr = (name) => (script ? script.getAttribute(name) || '' : '');
  const endpoint = `${attr('data-api').replace(/\/+$/, '')}/v1/track`;
  const respectDnt = attr('data-respect-dnt') !== 'false';
  const AID = 'ma_aid';
  const IDT = 'ma_idt';
  const CHOICE = 'ma_consent';
  const QUEUE = 'ma_queue';
  const MAX_QUEUE = 50;
  const BATCH = 20;
  const MAX_EVENT_AGE_MS = 7 * 864e5;
  const COOKIE_MAX_AGE_S = 400 * 86400;
  const ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

  // localStorage throws in some private modes and sandboxed iframes: treat it as absent.
  const get = (k) => {
    try {
      return localStorage.getItem(k);
    } catch (_) {
      return null;
    }
  };
  const set = (k, v) => {
    try {
      localStorage.setItem(k, v);
    } catch (_) {}
  };
  const del = (k) => {
    try {
      localStorage.removeItem(k);
    } catch (_) {}
  };
  const setCookie = (v, maxAge) => {
    const secure = location.protocol === 'https:' ? '; Secure' : '';
    // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is missing in Safari and Firefox.
    d.cookie = `${AID}=${v}; Path=/; Max-Age=${maxAge}; SameSite=Lax${secure}`;
  };
  const getCookie = () => {
    const m = d.cookie.match(/(?:^|;\s*)ma_aid=([^;]*)/);
    return m ? m[1] : null;
  };

  const uuid = () => {
    const c = w.crypto || {};
    if (c.randomUUID) return c.randomUUID();
    const b = new Uint8Array(16);
    if (c.getRandomValues) c.getRandomValues(b);
    else for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
    b[6] = (b[6] & 15) | 64; // version 4
    b[8] = (b[8] & 63) | 128; // RFC 4122 variant
    const h = Array.from(b, (x) => (x + 256).toString(16).slice(1)).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };

  const optedOut = () => {
    const choice = get(CHOICE);
    if (choice) return choice === 'out';
    return respectDnt && (n.doNotTrack === '1' || w.doNotTrack === '1' || n.globalPrivacyControl === true);
  };

  let aid = null;
  const anonymousId = () => {
    if (optedOut()) return null;
    if (!aid) {
      const known = getCookie() || get(AID);
      aid = known && ID_PATTERN.test(known) ? known : uuid();
      // Written back each page: the cookie lifetime slides and a cleared cookie is restored from storage.
      setCookie(aid, COOKIE_MAX_AGE_S);
      set(AID, aid);
    }
    return aid;
  };

  const UTM = ['source', 'medium', 'campaign', 'term', 'content'];
  const FIRST = 'ma_utm_f';
  const LAST = 'ma_utm_l';
  const readSet = (k) => {
    try {
      return JSON.parse(get(k) || 'null');
    } catch (_) {
      return null;
    }
  };
  // This page's UTM set, when it has one (or the visit's first page, when nothing is kept yet).
  const q = {};
  for (const kv of (location.search || '').slice(1).split('&')) {
    const i = kv.indexOf('=');
    try {
      if (i > 0)
        q[decodeURIComponent(kv.slice(0, i))] = decodeURIComponent(kv.slice(i + 1).replace(/\+/g, ' '));
    } catch (_) {}
  }
  const here = { r: d.referrer, l: location.href };
  for (const k of UTM) if (q[`utm_${k}`]) here[k] = q[`utm_${k}`].slice(0, 200);
  const tagged = UTM.some((k) => here[k]);

  const fillIds = () => {
    const id = anonymousId() || '';
    for (const input of d.querySelectorAll('input[name="_anonymousId"]')) input.value = id;
    if (!id) return;
    if (tagged || !readSet(FIRST)) {
      if (!readSet(FIRST)) set(FIRST, JSON.stringify(here));
      if (tagged) set(LAST, JSON.stringify(here));
    }
    const first = readSet(FIRST) || {};
    const fill = (name, v) => {
      for (const input of d.querySelectorAll(`input[name="${name}"]`)) if (v) input.value = v;
    };
    for (const k of UTM) fill(`utm_${k}`, first[k]);
    fill('_referrer', first.r);
    fill('_landingUrl', first.l);
  };

  // The in-memory copy keeps events when localStorage is unavailable.
  let mem = [];
  const readQueue = () => {
    const s = get(QUEUE);
    if (s === null) return mem;
    try {
      const q = JSON.parse(s);
      return Array.isArray(q) ? q : [];
    } catch (_) {
      return [];
    }
  };
  const writeQueue = (q) => {
    const cutoff = Date.now() - MAX_EVENT_AGE_MS;
    mem = q.filter((e) => Date.parse(e.occurredAt) > cutoff).slice(-MAX_QUEUE);
    if (mem.length) set(QUEUE, JSON.stringify(mem));
    else del(QUEUE);
  };

  const post = (events) => {
    // sentAt: the server corrects the events' times by this clock's difference from its own.
    const body = JSON.stringify({ events, sentAt: new Date().toISOString() });
    try {
      if (n.sendBeacon) {
        if (n.sendBeacon(endpoint, new Blob([body], { type: 'text/plain' }))) return Promise.resolve(true);
      }
    } catch (_) {}
    if (!w.fetch) return Promise.resolve(false);
    return fetch(endpoint, {
      method: 'POST',
      body,
      keepalive: true,
      credentials: 'omit',
      headers: { 'Content-Type': 'text/plain' },
    })
      .then((r) => r.ok || (r.status >= 400 && r.status < 500 && r.status !== 429)) // a 4xx will not improve
      .catch(() => false);
  };

  let sending = false;
  const flush = () => {
    if (sending || optedOut()) return;
    const batch = readQueue().slice(0, BATCH);
    if (!batch.length) return;
    sending = true;
    post(batch).then((ok) => {
      sending = false;
      if (!ok) return;
      const sent = new Set(batch.map((e) => e.eventId));
      writeQueue(readQueue().filter((e) => !sent.has(e.eventId)));
      flush();
    });
  };

  const track = (type, properties) => {
    const id = anonymousId();
    if (!id) return null;
    const event = {
      eventId: uuid(),
      type: String(type),
      anonymousId: id,
      url: location.href,
      title: d.title,
      referrer: d.referrer,
      properties: properties || {},
      occurredAt: new Date().toISOString(),
    };
    const identity = get(IDT);
    if (identity) event.identity = identity;
    writeQueue(readQueue().concat(event));
    flush();
    return event.eventId;
  };

  const identify = (token) => {
    if (typeof token === 'string' && token.length <= 1024 && !optedOut()) {
      set(IDT, token);
      const props = {};
      for (const [p, k] of [
        ['first', FIRST],
        ['last', LAST],
      ]) {
        const s = readSet(k) || {};
        for (const u of UTM) if (s[u]) props[`${p}_utm_${u}`] = s[u];
      }
      track('identify', props);
    }
  };

  const optOut = () => {
    set(CHOICE, 'out');
    setCookie('', 0);
    del(AID);
    del(IDT);
    del(QUEUE);
    aid = null;
    mem = [];
    fillIds();
  };

  const optIn = () => {
    set(CHOICE, 'in');
    fillIds();
  };

  w.ma = {
    v: 1,
    track,
    identify,
    optOut,
    optIn,
    anonymousId,
    flush,
    _onFormResponse: (json) => {
      if (json) identify(json.identity);
    },
  };

  if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', fillIds);
  else fillIds();
  w.addEventListener('online', flush);
  track('page_view');
})();
