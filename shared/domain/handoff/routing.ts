/**
 * Routing by trigger: which team gets a hand-off and which SLA clocks run, per hand-off trigger (and, where
 * a route says so, per temperature). Two clocks per hand-off: time to ACCEPT and time to FIRST CONTACT (the
 * owner's first logged activity after the hand-off). Pure: (config, trigger, temperature) → route.
 *
 * Triggers: `hot` (the lead turned hot), `mql` (the lead reached the configured stage), `inquiry` (a form
 * that hands off at once, e.g. a demo request), `appointment_set` (inside sales booked an appointment: the
 * lead becomes a TQL and goes to field sales), `manual` (ops handed it off by hand).
 */
import type { AssignmentConfig } from '#domain/handoff/assignment';
import type { Temperature } from '#domain/lead/types';

export const HANDOFF_TRIGGERS = ['hot', 'mql', 'inquiry', 'appointment_set', 'manual', 'accept'] as const;
export type HandoffTriggerName = (typeof HANDOFF_TRIGGERS)[number];

/** One SLA clock: hours, counted on the wall clock or inside the SLA's business window. */
export interface SlaClock {
  hours: number;
  businessHours: boolean;
}

export interface HandoffRoute {
  trigger: HandoffTriggerName;
  /** Only for these temperatures (absent: any). The first matching route wins. */
  temperature?: readonly Temperature[] | undefined;
  /** Round-robin inside this team; absent: the assignment rules and the default team decide. */
  team?: string | undefined;
  /** Overrides of the default clocks. */
  accept?: SlaClock | undefined;
  firstContact?: SlaClock | undefined;
}

export interface RoutingConfig {
  routes: readonly HandoffRoute[];
  /** Default clocks; `accept` is the SLA's own `hours`/`businessHours`. */
  sla: SlaClock & { firstContact?: SlaClock | undefined };
  tql: { enabled: boolean };
}

export interface HandoffClocks {
  accept: SlaClock;
  /** Absent when no first-contact clock is configured for this hand-off. */
  firstContact?: SlaClock;
}

/** The first route for the trigger (and temperature), or undefined. */
export function routeFor(
  routes: readonly HandoffRoute[],
  trigger: HandoffTriggerName,
  temperature: Temperature,
): HandoffRoute | undefined {
  return routes.find(
    (r) => r.trigger === trigger && (r.temperature === undefined || r.temperature.includes(temperature)),
  );
}

/** The clocks a hand-off runs: the route's, else the defaults. */
export function clocksFor(config: RoutingConfig, route: HandoffRoute | undefined): HandoffClocks {
  const accept = route?.accept ?? { hours: config.sla.hours, businessHours: config.sla.businessHours };
  const firstContact = route?.firstContact ?? config.sla.firstContact;
  return firstContact ? { accept, firstContact } : { accept };
}

/**
 * The assignment configuration for a route: a route naming a team round-robins inside that team (no rules,
 * that team is the default); a route without one uses the configured rules and default team.
 */
export function assignmentFor(config: AssignmentConfig, route: HandoffRoute | undefined): AssignmentConfig {
  if (route?.team === undefined) return config;
  return { ...config, assignmentRules: [], defaultTeam: route.team };
}

/** The trigger the configured automatic hand-off (`trigger: hot | stage`) stands for. */
export function automaticTrigger(trigger: { on: 'hot' } | { on: 'stage' }): HandoffTriggerName {
  return trigger.on === 'hot' ? 'hot' : 'mql';
}

/** Whether a logged activity outcome moves the lead to TQL (and hands it to field sales). */
export function movesToTql(outcome: string | undefined, config: Pick<RoutingConfig, 'tql'>): boolean {
  return config.tql.enabled && outcome === 'appointment_set';
}
