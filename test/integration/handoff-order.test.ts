import { describe, expect, it } from 'vitest';
import { openHandoff } from '#app/open-handoff';
import { getLead } from '#store/leads';
import { loadApi } from '../support/http-harness.ts';
import { uniqueEmail } from '../support/runtime.ts';
import { contactForm } from './handoff-support.ts';

/**
 * A demo request from a lead that is hot at once announces `Lead Captured` (the inquiry fast lane) and
 * `Lead Temperature Changed` (the hot trigger) in one write; EventBridge delivers them in any order. Whichever
 * reaches the hand-off first, the hand-off is the inquiry's (its stricter first-contact clock), and the second
 * trigger finds it open. The handlers run in-process without a bus, so the test delivers the triggers itself.
 */
const api = await loadApi();

const captureHotInquiry = async (label: string) => {
  const email = uniqueEmail(label);
  const res = await api.call({
    method: 'POST',
    url: '/v1/forms/contact',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      origin: 'https://www.example.co.jp',
    },
    body: JSON.stringify(
      contactForm(email, { title: '代表取締役社長', employees: '1000-4999', prefecture: '東京都' }),
    ),
  });
  expect(res.status).toBe(201);
  const { emailKey } = await import('#domain/capture/email-address');
  const { findLeadIdByEmail } = await import('#store/leads');
  const leadId = (await findLeadIdByEmail(emailKey(email) ?? '')) ?? '';
  expect(leadId).not.toBe('');
  return leadId;
};

const captured = (leadId: string) => ({
  id: `cap-${leadId}`,
  detailType: 'Lead Captured',
  leadId,
  formId: 'contact',
});
const turnedHot = (leadId: string) => ({
  id: `hot-${leadId}`,
  detailType: 'Lead Temperature Changed',
  leadId,
});

describe('hand-off triggers of one capture, in either order', () => {
  it.each([
    ['the capture first', (id: string) => [captured(id), turnedHot(id)]],
    ['the hot crossing first', (id: string) => [turnedHot(id), captured(id)]],
  ])(
    'given a demo request that is hot at once, when %s reaches the hand-off, then one hand-off opens with trigger inquiry',
    async (label, order) => {
      const leadId = await captureHotInquiry(label.replaceAll(' ', '-'));
      const outcomes = [];
      for (const trigger of order(leadId)) outcomes.push(await openHandoff(trigger));

      expect(outcomes.map((o) => o?.status)).toEqual(['handed_off', 'not_triggered']);
      const handoff = (await getLead(leadId))?.state.handoff;
      expect(handoff).toMatchObject({ n: 1, trigger: 'inquiry' });
    },
  );
});
