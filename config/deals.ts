import type { DealsConfigInput } from '#config/deals';

/**
 * Deals (demo values). The phases an opportunity (商談) moves through before the fixed terminal phases
 * `won` (受注) and `lost` (失注), each with its label and default win probability (percent). Sales must know
 * budget, authority, needs and timing before a lead becomes SQL. A lost deal's lead re-enters nurture after
 * 90 days; a handed-off lead's CRM record is refreshed at most every 15 minutes (`Lead Updated`).
 */
export const deals: DealsConfigInput = {
  phases: [
    { id: 'first_meeting', label: '初回商談', probability: 10 },
    { id: 'proposal', label: '提案', probability: 30 },
    { id: 'quote', label: '見積', probability: 50 },
    { id: 'negotiation', label: '交渉', probability: 70 },
  ],
  requiredForSql: ['budget', 'authority', 'needs', 'timing'],
  lostNurtureAfterDays: 90,
  crmSyncIntervalMinutes: 15,
};
