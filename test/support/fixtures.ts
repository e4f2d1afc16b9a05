import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HandoffState } from '#domain/handoff/sla';
import { type Lead, newLead } from '#domain/lead/lead';
import type { Channel, EpochMs, LeadAttributes, Stage, Temperature } from '#domain/lead/types';
import { newEnrollment } from '#domain/nurture/sequences';
import { emptyBehaviour } from '#domain/scoring/scoring';
import { dueAttributes, keys } from '#store/keys';
import { leadItems } from '#store/lead-items';

/**
 * Bulk fixtures for tests and benchmarks, written exactly as the store writes them (no network here;
 * `batchWriteAll` takes the caller's client, so it works before or without the adapters' environment).
 */

/** A consenting subscriber (no double opt-in), as the store's two items. */
export const consentingLeadItems = (
  leadId: string,
  email: string,
  at: EpochMs,
  attributes: LeadAttributes = { lastName: '高橋', company: '株式会社テスト' },
) =>
  leadItems(
    newLead({
      leadId,
      email,
      emailKey: email.toLowerCase(),
      attributes,
      scoring: { fit: 0, grade: 'D', fitBreakdown: {}, behaviour: emptyBehaviour() },
      channel: 'inbound_web',
      locale: 'ja',
      at,
      consent: {
        purpose: 'marketing_email',
        textVersion: 'v1',
        formId: 'whitepaper',
        at,
        doubleOptIn: false,
      },
    }),
  );

/** An enrollment (first run, from a form) whose next step is due at `dueAt`. */
export const dueEnrollmentItem = (
  leadId: string,
  sequenceId: string,
  dueAt: EpochMs,
  enrolledAt: EpochMs = dueAt,
) => {
  const key = keys.enrollment(leadId, sequenceId);
  return {
    ...key,
    ...dueAttributes(key.pk, key.sk, dueAt, 'step'),
    ...newEnrollment(sequenceId, enrolledAt),
    leadId,
    run: 1,
    triggerEventId: `seed-${leadId}`,
    trigger: 'form',
  };
};

/** BatchWrite in parallel, retrying unprocessed items until all are in. */
export const batchWriteAll = async (
  client: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
  parallel = 8,
): Promise<void> => {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    for (let batch = batches[next++]; batch; batch = batches[next++]) {
      let request: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
        [table]: batch.map((Item) => ({ PutRequest: { Item } })),
      };
      while (request && Object.keys(request).length) {
        const result = await client.send(new BatchWriteCommand({ RequestItems: request }));
        request = result.UnprocessedItems as typeof request;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
};

/** A lead for list and call-list tests: score, temperature, stage and (with `owner`) an open hand-off. */
export interface ListLeadSpec {
  id: string;
  score: number;
  temperature: Temperature;
  stage?: Stage;
  /** The owner id of an open hand-off (none: the lead waits for sales when warm or hot). */
  owner?: string;
  channel?: Channel;
  activityAt?: EpochMs;
  company?: string;
  lastName?: string;
  phone?: string;
  /** Fields of the open hand-off besides the defaults (accepted, first contact, a follow-up, when it started). */
  handoff?: Partial<HandoffState>;
}

/** The lead a `ListLeadSpec` describes, at time `at` (fit 20, grade B, Japanese attributes). */
export const listLead = (s: ListLeadSpec, at: EpochMs): Lead => {
  const email = `${s.id}@example.co.jp`;
  const handoff: HandoffState | undefined = s.owner
    ? {
        n: 1,
        owner: { ownerId: s.owner, name: '佐藤 健', email: 'k.sato@example.co.jp', team: 'enterprise' },
        rule: null,
        startedAt: at,
        dueAt: at + 86_400_000,
        reassignments: 0,
        previousOwnerIds: [],
        ...s.handoff,
      }
    : undefined;
  return {
    profile: {
      leadId: s.id,
      email,
      emailKey: email,
      attributes: {
        email,
        lastName: s.lastName ?? '山田',
        firstName: '花子',
        company: s.company ?? `株式会社${s.id}`,
        title: '部長',
        phone: s.phone ?? '03-0000-0000',
      },
      fitBreakdown: {},
      channel: s.channel ?? 'inbound_web',
      marketing: { transientBounces: 0 },
      anonymousIds: [],
      locale: 'ja',
      createdAt: at,
      updatedAt: at,
      version: 1,
    },
    state: {
      leadId: s.id,
      email,
      stage: s.stage ?? 'mql',
      stageHistory: [],
      temperature: s.temperature,
      grade: 'B',
      fit: 20,
      behaviour: { value: s.score - 20, asOf: at, caps: {}, once: {} },
      score: { fit: 20, behaviour: s.score - 20, total: s.score },
      recentEvents: [],
      lastActivityAt: s.activityAt ?? at,
      recentSends: [],
      ...(handoff ? { handoff } : {}),
      version: 1,
    },
  };
};
