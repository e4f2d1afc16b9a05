/**
 * The single-table design: keys, indexes and TTL. The CDK app and the local runtime both build the table
 * from this one definition, so a key or index can never differ between AWS and DynamoDB Local.
 * Pure data: no SDK, no CDK.
 */

export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;
export const TTL_ATTRIBUTE = 'expiresAt';

export interface IndexDesign {
  name: string;
  partitionKey: { name: string; type: 'S' | 'N' };
  sortKey: { name: string; type: 'S' | 'N' };
  /** Projected non-key attributes; empty = KEYS_ONLY. */
  include: readonly string[];
}

/**
 * `due`: sparse and sharded. Only items with a pending timer (next step email, SLA deadline, temperature
 * decay) carry `dueShard`/`dueAt`, so the sweeper queries what is due now and never scans. Shards spread
 * the write load of one busy minute over several partitions.
 * `byStage` / `byTemperature`: lead states ordered by score within a stage or temperature (call list,
 * reports). Only the small state item carries their keys, so a profile edit never rewrites an index.
 */
export const INDEXES = {
  due: {
    name: 'due',
    partitionKey: { name: 'dueShard', type: 'S' },
    sortKey: { name: 'dueAt', type: 'S' },
    include: ['timerKind'],
  },
  byStage: {
    name: 'byStage',
    partitionKey: { name: 'stageKey', type: 'S' },
    sortKey: { name: 'scoreKey', type: 'N' },
    include: ['email', 'stage', 'temperature', 'grade', 'ownerId', 'lastActivityAt'],
  },
  byTemperature: {
    name: 'byTemperature',
    partitionKey: { name: 'temperatureKey', type: 'S' },
    sortKey: { name: 'scoreKey', type: 'N' },
    include: ['email', 'stage', 'temperature', 'grade', 'ownerId', 'lastActivityAt'],
  },
} as const satisfies Record<string, IndexDesign>;

export const ALL_INDEXES: readonly IndexDesign[] = Object.values(INDEXES);

/** Number of due-index shards; the sweeper queries each one. */
export const DUE_SHARDS = 8;
