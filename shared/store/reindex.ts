import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb, isConditionalCheckFailure, tableName } from '#store/dynamodb';
import { keys, leadIdFromPk, PREFIX, timelineAtKey } from '#store/keys';
import {
  fromStateItem,
  indexAttributes,
  PROFILE_INDEX_ATTRS,
  profileIndexAttributes,
} from '#store/lead-items';
import { readProfile } from '#store/leads';

/**
 * One-off migration to the sharded list indexes (`scripts/reindex-leads.ts`, `npm run reindex` where wired):
 * items written before them carry unsharded index keys (`stageKey = 'mql'`, exact `scoreKey`,
 * `lastActivityAt`) and timeline entries without `timelineAt`, so the new reads would not find them. This
 * rewrites, per page of a parallel scan, each state item's index attributes (conditioned on its version: a
 * lead written meanwhile already has the new keys), each profile's search keys (`byCompany`, `byPhone`, on
 * its version too) and each timeline entry's `timelineAt` (only where missing). Idempotent: a second run, or a run over new items, changes nothing. Never on a request path.
 */
export interface ReindexPage {
  states: number;
  /** Profiles given (or moved to) their search keys (`byCompany`, `byPhone`). */
  profiles: number;
  timeline: number;
  skipped: number;
  next?: Record<string, unknown>;
}

export async function reindexPage(options: {
  segment: number;
  totalSegments: number;
  limit: number;
  startKey?: Record<string, unknown>;
}): Promise<ReindexPage> {
  const result = await dynamodb.send(
    new ScanCommand({
      TableName: tableName,
      Segment: options.segment,
      TotalSegments: options.totalSegments,
      Limit: options.limit,
      FilterExpression:
        'sk = :state OR sk = :profile OR (begins_with(sk, :evt) AND attribute_not_exists(timelineAt))',
      ExpressionAttributeValues: {
        ':state': keys.state('').sk,
        ':profile': keys.profile('').sk,
        ':evt': PREFIX.timeline,
      },
      ExclusiveStartKey: options.startKey,
    }),
  );
  const page: ReindexPage = { states: 0, profiles: 0, timeline: 0, skipped: 0 };
  for (const item of result.Items ?? []) {
    const leadId = leadIdFromPk(String(item.pk));
    if (!leadId) continue;
    try {
      if (item.sk === keys.state('').sk) {
        if (await reindexState(item)) page.states++;
        else page.skipped++;
      } else if (item.sk === keys.profile('').sk) {
        if (await reindexProfile(item)) page.profiles++;
        else page.skipped++;
      } else if (typeof item.occurredAt === 'number' && typeof item.eventId === 'string') {
        await dynamodb.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression: 'SET timelineAt = :at',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(timelineAt)',
            ExpressionAttributeValues: { ':at': timelineAtKey(item.occurredAt, item.eventId) },
          }),
        );
        page.timeline++;
      }
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      page.skipped++;
    }
  }
  return { ...page, ...(result.LastEvaluatedKey ? { next: result.LastEvaluatedKey } : {}) };
}

/** Rewrite one state item's index attributes; false when it already has them. */
async function reindexState(item: Record<string, unknown>): Promise<boolean> {
  const state = fromStateItem(item);
  if (!state) return false;
  const wanted: Record<string, unknown> = { ...indexAttributes(state), activityAt: state.lastActivityAt };
  const stale = Object.entries(wanted).some(([k, v]) => item[k] !== v) || 'lastActivityAt' in item;
  if (!stale) return false;
  await rewriteAttributes(keys.state(state.leadId), state.version, { ...wanted, lastActivityAt: undefined });
  return true;
}

/** Give one profile item its company- and phone-search keys (or move them); false when it already has them. */
async function reindexProfile(item: Record<string, unknown>): Promise<boolean> {
  const profile = readProfile(item);
  if (!profile) return false;
  const wanted: Record<string, unknown> = profileIndexAttributes(profile);
  if (PROFILE_INDEX_ATTRS.every((k) => item[k] === wanted[k])) return false;
  await rewriteAttributes(
    keys.profile(profile.leadId),
    profile.version,
    Object.fromEntries(PROFILE_INDEX_ATTRS.map((k) => [k, wanted[k]])),
  );
  return true;
}

/**
 * Sets the attributes of `wanted` that have a value and removes those that are undefined, on the item at
 * `key`, only while it is still at `version` (a lead written meanwhile already has its keys).
 */
async function rewriteAttributes(
  key: Record<string, string>,
  version: number,
  wanted: Record<string, unknown>,
): Promise<void> {
  const set = Object.entries(wanted).filter(([, v]) => v !== undefined);
  const remove = Object.keys(wanted).filter((k) => wanted[k] === undefined);
  await dynamodb.send(
    new UpdateCommand({
      TableName: tableName,
      Key: key,
      UpdateExpression: [
        set.length ? `SET ${set.map((_, i) => `#s${i} = :s${i}`).join(', ')}` : '',
        remove.length ? `REMOVE ${remove.map((_, i) => `#r${i}`).join(', ')}` : '',
      ]
        .filter(Boolean)
        .join(' '),
      ConditionExpression: 'version = :v',
      ExpressionAttributeNames: {
        ...Object.fromEntries(set.map(([k], i) => [`#s${i}`, k])),
        ...Object.fromEntries(remove.map((k, i) => [`#r${i}`, k])),
      },
      ExpressionAttributeValues: {
        ...Object.fromEntries(set.map(([, v], i) => [`:s${i}`, v])),
        ':v': version,
      },
    }),
  );
}
