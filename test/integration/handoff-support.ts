import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import type { DeliveredEvent } from '#local/router';
import type { Runtime } from '#local/runtime';
import { api } from '../support/runtime.ts';

/** Helpers shared by the hand-off, sales-action, call-list, outbox, intake and privacy integration tests. */

export const contactForm = (email: string, extra: Record<string, unknown> = {}) => ({
  email,
  lastName: '山田',
  firstName: '太郎',
  company: '株式会社テスト商事',
  title: '営業部 部長',
  employees: '300-999',
  phone: '０３－１２３４－５６７８',
  consent: true,
  ...extra,
});

export { api };

/**
 * A lead that turns hot the way a real one does: the contact form (fit 21 + inquiry 50 = warm MQL), then
 * a webinar attended reported by the webinar platform through the ops API (+20 = 91, hot). Returns its id.
 * The demo's contact form is an inquiry fast lane, so the hand-off opens on the capture (trigger
 * `inquiry`) and the hot trigger finds it open; the score trigger alone is covered in
 * inquiry-fast-lane.test.ts.
 */
export const makeHotLead = async (
  runtime: Runtime,
  email: string,
  extra: Record<string, unknown> = {},
  settle = true,
): Promise<string> => {
  const { postForm, opsPost, opsGet } = api(runtime);
  const captured = await postForm('contact', contactForm(email, extra));
  expect(captured.status).toBe(201);
  const tracked = await opsPost('/v1/ops/events', {
    events: [{ type: 'webinar_attended', email, eventId: `webinar-${email}` }],
  });
  expect(tracked.status).toBe(202);
  if (settle) await runtime.settle();
  const lead = (await (await opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`)).json()) as {
    leadId: string;
  };
  return lead.leadId;
};

export const eventsOf = (runtime: Runtime, leadId: string, detailType?: string): DeliveredEvent[] =>
  runtime
    .events()
    .filter(
      (e) =>
        (e.detail as { leadId?: string }).leadId === leadId &&
        (detailType === undefined || e['detail-type'] === detailType),
    );

export const detailOf = <T = Record<string, unknown>>(event: DeliveredEvent | undefined): T =>
  (event?.detail ?? {}) as T;

export const HOUR = 3_600_000;

/** One item of this file's table, read strongly (what the handler wrote). */
export const getItem = async (key: { pk: string; sk: string }) => {
  const { dynamodb, tableName } = await import('#store/dynamodb');
  return (await dynamodb.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
};

/** Every item of this file's table (a small test table only), read strongly. */
export const scanAll = async (): Promise<Record<string, unknown>[]> => {
  const { dynamodb, tableName } = await import('#store/dynamodb');
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
};

/** An ops API answer as the action tests read it: status, the replay header and the body. */
export type ActionAnswerBody = Record<string, unknown> & {
  error?: { code: string; message: string; errors?: { field: string; code: string; message: string }[] };
};
/** `POST /v1/ops/leads/{leadId}/{action}` through the runtime's API. */
export const leadAction = async (runtime: Runtime, leadId: string, action: string, body: unknown) => {
  const response = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/${action}`, body);
  return {
    status: response.status,
    replay: response.headers.get('idempotent-replay'),
    body: (await response.json()) as ActionAnswerBody,
  };
};
