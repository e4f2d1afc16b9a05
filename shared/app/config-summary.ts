import { settings as configured, type Settings } from '#config/settings';

/**
 * What `config/` says, for people who do not read TypeScript (the console's read-only Settings page):
 * forms, scoring rules, sequences with their steps and default send window, templates, hand-off rules and
 * owners, report targets. Hand-off targets are left out (they name secrets and endpoints), and owners' CRM user
 * ids; the CRM field mapping (field names only) stays. Nothing here is personal data beyond the work e-mails
 * and names of the sales owners and of the console's other people (marketing, administrators: so a page names
 * who recorded something, not their address), which every signed-in user may see.
 */
export function configSummary(settings: Settings = configured) {
  return {
    stage: settings.app.stage,
    timeZone: settings.app.timeZone,
    forms: settings.forms,
    scoring: settings.scoring,
    sequences: settings.sequences,
    /** The send window steps wait for (unless a sequence sets its own) and the weekly mail cap. */
    nurture: {
      sendWindow: settings.nurtureSettings.sendWindow,
      frequencyCap: settings.nurtureSettings.frequencyCap,
    },
    templates: settings.templates,
    handoff: handoffSummary(settings.handoff),
    reports: settings.reports,
    /** Opportunity phases (before the fixed won / lost) and the BANTCH items SQL needs. */
    deals: settings.deals,
    /** Marketing and administrators who sign in to the console (`config/app.ts` → `signIn.people`). */
    people: settings.app.signIn.people.map(({ email, name, role }) => ({ email, name, role })),
  };
}
export type ConfigSummary = ReturnType<typeof configSummary>;

/** The hand-off settings without their targets (secrets, endpoints) and the owners' CRM user ids. */
function handoffSummary({ targets: _targets, owners, ...handoff }: Settings['handoff']) {
  return {
    ...handoff,
    owners: owners.map(({ ownerId, name, email, team }) => ({ ownerId, name, email, team })),
  };
}
