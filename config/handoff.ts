import type { HandoffConfigInput } from '#config/handoff';
import { salesforceLeadMapping } from '#config/handoff';

/**
 * Hand-off to sales (demo values). Two steps (TQL routing):
 * 1. A lead that turns hot (or a demo request, trigger `inquiry`) goes to INSIDE SALES, round-robin.
 * 2. When inside sales logs a call with outcome `appointment_set`, the lead becomes a TQL and is handed to
 *    FIELD SALES: Kansai leads to the Kansai team, companies with 1,000+ employees to enterprise, the rest
 *    to SMB (the assignment rules), round-robin inside each team.
 * Each hand-off runs two clocks in Tokyo business hours (09:00–18:00, weekdays, Japanese holidays and the
 * New Year closure 12-29 … 01-03 off):
 * accept within 4 business hours and first contact within 1 business day (9 business hours); a demo request
 * is accepted within 30 business minutes and called within 1 business hour. A breach is escalated and the
 * lead reassigned once (while unaccepted).
 */
export const handoff: HandoffConfigInput = {
  trigger: { on: 'hot' },
  teams: [
    { teamId: 'inside-sales', name: 'インサイドセールス部' },
    { teamId: 'enterprise', name: 'エンタープライズ営業部' },
    { teamId: 'smb', name: 'SMB営業部' },
    { teamId: 'kansai', name: '関西営業所' },
  ],
  owners: [
    {
      ownerId: 'kobayashi',
      name: '小林 直樹',
      email: 'n.kobayashi@example.co.jp',
      team: 'inside-sales',
      crmUserId: '0055g00000AAAAAAB1',
    },
    {
      ownerId: 'nakamura',
      name: '中村 あゆみ',
      email: 'a.nakamura@example.co.jp',
      team: 'inside-sales',
      crmUserId: '0055g00000AAAAAAB2',
    },
    {
      ownerId: 'yoshida',
      name: '吉田 拓也',
      email: 't.yoshida@example.co.jp',
      team: 'inside-sales',
      crmUserId: '0055g00000AAAAAAB3',
    },
    {
      ownerId: 'sato',
      name: '佐藤 健',
      email: 'k.sato@example.co.jp',
      team: 'enterprise',
      crmUserId: '0055g00000AAAAAAA1',
    },
    {
      ownerId: 'ito',
      name: '伊藤 美咲',
      email: 'm.ito@example.co.jp',
      team: 'enterprise',
      crmUserId: '0055g00000AAAAAAA2',
    },
    {
      ownerId: 'suzuki',
      name: '鈴木 花子',
      email: 'h.suzuki@example.co.jp',
      team: 'smb',
      crmUserId: '0055g00000AAAAAAA3',
    },
    {
      ownerId: 'takahashi',
      name: '高橋 誠',
      email: 'm.takahashi@example.co.jp',
      team: 'smb',
      crmUserId: '0055g00000AAAAAAA4',
    },
    {
      ownerId: 'tanaka',
      name: '田中 翔太',
      email: 's.tanaka@example.co.jp',
      team: 'kansai',
      crmUserId: '0055g00000AAAAAAA5',
    },
    {
      ownerId: 'yamamoto',
      name: '山本 由美',
      email: 'y.yamamoto@example.co.jp',
      team: 'kansai',
      crmUserId: '0055g00000AAAAAAA6',
    },
  ],
  assignmentRules: [
    {
      id: 'kansai-territory',
      when: { prefecture: ['大阪府', '京都府', '兵庫県'] },
      assignTo: { team: 'kansai' },
    },
    { id: 'enterprise-size', when: { employees: { min: 1000 } }, assignTo: { team: 'enterprise' } },
  ],
  defaultTeam: 'smb',
  sla: {
    hours: 4,
    businessHours: true,
    // Tokyo office hours, Japanese holidays and the New Year closure (年末年始休業) off.
    window: { closedDates: ['12-29', '12-30', '12-31', '01-01', '01-02', '01-03'] },
    firstContact: { hours: 9, businessHours: true },
    reassignOnBreach: true,
    maxReassignments: 1,
  },
  // The first matching route decides the team and the clocks; no team: the assignment rules above.
  routes: [
    { trigger: 'hot', team: 'inside-sales' },
    { trigger: 'mql', team: 'inside-sales' },
    // A demo request: accepted within 30 minutes and called within the hour (business hours).
    {
      trigger: 'inquiry',
      team: 'inside-sales',
      accept: { hours: 0.5, businessHours: true },
      firstContact: { hours: 1, businessHours: true },
    },
    { trigger: 'appointment_set' },
  ],
  tql: { enabled: true },
  crm: { system: 'salesforce', mapping: salesforceLeadMapping },
  recycle: { nurtureAfterDays: 30, sequenceId: 'recycle-nurture' },
  // Each owner gets an e-mail about a lead to act on: handed to them (a demo request at once), reassigned to
  // them, a deadline of theirs passed, the call they planned come due. Locally they land in the SES inbox.
  // And each business morning at 08:30, before the office opens, the morning list (本日の対応予定): every
  // owner with a deadline passed or due today, or a call planned for today, gets one mail of them.
  ownerAlerts: {
    events: ['Lead Handed Off', 'Lead Assigned', 'Lead SLA Breached', 'Lead Follow-up Due'],
    morningList: { time: '08:30' },
  },
  targets: [
    {
      kind: 'webhook',
      name: 'sales-inbox',
      url: 'https://hooks.example.co.jp/leadloop/handoff',
      apiKeyHeader: 'x-api-key',
      secretName: 'leadloop/sales-inbox-api-key',
      events: ['Lead Handed Off', 'Lead Assigned', 'Lead SLA Breached', 'Lead Follow-up Due', 'Lead Updated'],
    },
  ],
};
