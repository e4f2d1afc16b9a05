/**
 * Owner assignment for a hand-off: assignment rules first (territory, company size, industry), then
 * round-robin inside the chosen team — least recently assigned first, skipping unavailable or excluded
 * owners, ties broken by the owners' order in configuration. Pure: the round-robin state (when each
 * owner last got a lead) is passed in and the caller stores `now` for the chosen owner.
 */
import { parseLooseNumber } from '#domain/handoff/crm-mapping';
import type { OwnerRef } from '#domain/lead/events';
import type { EpochMs, LeadAttributes } from '#domain/lead/types';

export interface Owner {
  ownerId: string;
  name: string;
  email: string;
  team: string;
  crmUserId?: string;
  /** False while on leave or at capacity: never chosen, by a rule or by round-robin. */
  available: boolean;
}

export interface Team {
  teamId: string;
  name: string;
}

/** All conditions given must hold; inside a list, any value matches. Strings compare after trim + NFKC. */
export interface AssignmentCondition {
  prefecture?: readonly string[];
  country?: readonly string[];
  industry?: readonly string[];
  /** Company size, parsed from the `employees` attribute (lower bound of a range). */
  employees?: { min?: number; max?: number };
}

export interface AssignmentRule {
  id: string;
  when: AssignmentCondition;
  assignTo: { team: string } | { owner: string };
}

export interface AssignmentConfig {
  owners: readonly Owner[];
  teams: readonly Team[];
  assignmentRules: readonly AssignmentRule[];
  /** Team used when no rule matches, and as the fallback when a rule's team has nobody available. */
  defaultTeam: string;
}

export interface AssignmentLead {
  attributes: LeadAttributes;
}

/** When each owner last received a lead (0 or absent: never). */
export type RoundRobinState = Readonly<Record<string, EpochMs>>;

export type AssignmentResult =
  | {
      ok: true;
      owner: Owner;
      team: string;
      /** The rule that decided (team or owner); null when no rule matched. */
      rule: string | null;
      via: 'rule_owner' | 'round_robin';
      /** True when the decided team had nobody available and the default team took the lead. */
      fallback: boolean;
    }
  | { ok: false; code: 'no_owner_available'; team: string; message: string };

const norm = (s: string): string => s.normalize('NFKC').trim().toLowerCase();

const matchesList = (list: readonly string[] | undefined, value: string | undefined): boolean =>
  list === undefined || (value !== undefined && list.some((v) => norm(v) === norm(value)));

export function ruleMatches(when: AssignmentCondition, attributes: LeadAttributes): boolean {
  if (!matchesList(when.prefecture, attributes.prefecture)) return false;
  if (!matchesList(when.country, attributes.country)) return false;
  if (!matchesList(when.industry, attributes.industry)) return false;
  if (when.employees) {
    const size = attributes.employees === undefined ? undefined : parseLooseNumber(attributes.employees);
    if (size === undefined) return false;
    if (when.employees.min !== undefined && size < when.employees.min) return false;
    if (when.employees.max !== undefined && size > when.employees.max) return false;
  }
  return true;
}

/** Least recently assigned available owner of a team; config order breaks ties. */
export function pickRoundRobin(
  owners: readonly Owner[],
  team: string,
  state: RoundRobinState,
  exclude: readonly string[] = [],
): Owner | undefined {
  let best: Owner | undefined;
  for (const owner of owners) {
    if (owner.team !== team || !owner.available || exclude.includes(owner.ownerId)) continue;
    if (best === undefined || (state[owner.ownerId] ?? 0) < (state[best.ownerId] ?? 0)) best = owner;
  }
  return best;
}

/**
 * Chooses the owner for a lead. `now` is part of the signature so time-aware rules (office hours,
 * capacity per day) can be added without touching callers; today's rules do not need it.
 */
export function assignOwner(
  lead: AssignmentLead,
  config: AssignmentConfig,
  roundRobinState: RoundRobinState,
  _now: EpochMs,
  exclude: readonly string[] = [],
): AssignmentResult {
  const rule = config.assignmentRules.find((r) => ruleMatches(r.when, lead.attributes));
  let team = config.defaultTeam;
  if (rule && 'owner' in rule.assignTo) {
    const ownerId = rule.assignTo.owner;
    const owner = config.owners.find((o) => o.ownerId === ownerId);
    if (owner?.available && !exclude.includes(owner.ownerId)) {
      return { ok: true, owner, team: owner.team, rule: rule.id, via: 'rule_owner', fallback: false };
    }
    // A named owner who is away or excluded: their team covers, so the lead still goes to the right people.
    team = owner?.team ?? config.defaultTeam;
  } else if (rule && 'team' in rule.assignTo) {
    team = rule.assignTo.team;
  }
  const owner = pickRoundRobin(config.owners, team, roundRobinState, exclude);
  if (owner) return { ok: true, owner, team, rule: rule?.id ?? null, via: 'round_robin', fallback: false };
  if (team !== config.defaultTeam) {
    const fallbackOwner = pickRoundRobin(config.owners, config.defaultTeam, roundRobinState, exclude);
    if (fallbackOwner) {
      return {
        ok: true,
        owner: fallbackOwner,
        team: config.defaultTeam,
        rule: rule?.id ?? null,
        via: 'round_robin',
        fallback: true,
      };
    }
  }
  return {
    ok: false,
    code: 'no_owner_available',
    team,
    message: `no available owner in team '${team}'${team === config.defaultTeam ? '' : ` or default team '${config.defaultTeam}'`}`,
  };
}

/**
 * The assignment configuration for giving an open hand-off to a colleague of its owner (an SLA reassignment,
 * a reassignment without a named owner): round-robin inside `team`, no rules, no other team. The assignment
 * rules route a NEW hand-off (a hot lead to inside sales, an appointment to field sales by territory); applied
 * again to a hand-off already routed, they would send an inside-sales lead to a field rep and skip the TQL step.
 */
export function colleaguesOf(config: AssignmentConfig, team: string): AssignmentConfig {
  return { ...config, assignmentRules: [], defaultTeam: team };
}

/**
 * The round-robin state after `owner` received a lead at `now`. The owner's mark is later than every mark
 * already there: hand-offs read `now` when they start, and one that started earlier but commits later
 * would otherwise store an older mark and make its owner look least recently assigned again (measured:
 * 20/10 instead of 15/15 for 30 concurrent hand-offs).
 */
export function recordAssignment(state: RoundRobinState, ownerId: string, now: EpochMs): RoundRobinState {
  return {
    ...state,
    [ownerId]: Math.max(now, ...Object.values(state).map((t) => t + 1)),
  };
}

/**
 * Whether `by` (who did it: a token's owner id or e-mail, `#http/access` → `actorOf`) is `person`, by owner id
 * or e-mail, case and surrounding space aside.
 */
export function isActor(
  by: string | undefined,
  person: { ownerId?: string | undefined; email: string },
): boolean {
  const who = by?.trim().toLowerCase();
  return who !== undefined && (who === person.ownerId?.toLowerCase() || who === person.email.toLowerCase());
}

export function toOwnerRef(owner: Owner): OwnerRef {
  return {
    ownerId: owner.ownerId,
    name: owner.name,
    email: owner.email,
    team: owner.team,
    ...(owner.crmUserId === undefined ? {} : { crmUserId: owner.crmUserId }),
  };
}
