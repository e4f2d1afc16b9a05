import { expect } from 'vitest';
import type { Runtime } from '#local/runtime';
import { api } from '../support/runtime.ts';

/** Helpers of the search tests (company-search, phone-search): a list page, every page of a search, ids. */

export interface SearchPage {
  items: { leadId: string; company: string | null; phone: string | null; ownerId: string | null }[];
  cursor: string | null;
}

/** One page of `GET /v1/ops/leads?<query>`, with its status. */
export const searchPage = async (
  runtime: Runtime,
  query: string,
): Promise<{ status: number; body: SearchPage }> => {
  const response = await api(runtime).opsGet(`/v1/ops/leads?${query}`);
  return { status: response.status, body: (await response.json()) as SearchPage };
};

/** The lead ids of every page of a search, a page of one lead at a time, following each page's cursor. */
export const walkPages = async (runtime: Runtime, query: string): Promise<string[]> => {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const { status, body }: { status: number; body: SearchPage } = await searchPage(
      runtime,
      `${query}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(status).toBe(200);
    seen.push(...body.items.map((i) => i.leadId));
    cursor = body.cursor;
    pages++;
  } while (cursor && pages < 10);
  return seen;
};

/** The id of the lead of an address (the lookup by e-mail). */
export const leadIdByEmail = async (runtime: Runtime, email: string): Promise<string> =>
  (
    (await (await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`)).json()) as {
      leadId: string;
    }
  ).leadId;

/** Erase a lead on the person's request (`DELETE /v1/ops/leads/{leadId}`); the status. */
export const eraseOnRequest = async (runtime: Runtime, leadId: string): Promise<number> =>
  (
    await fetch(`${runtime.apiUrl}/v1/ops/leads/${leadId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${runtime.opsToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'request' }),
    })
  ).status;
