import type { HandoffConfigInput } from '#config/handoff';
import { salesforceLeadMapping } from '#config/handoff';

/**
 * Hand-off to sales (demo values). A lead is handed off when it turns hot: Kansai leads go to the Kansai
 * team, companies with 1,000+ employees to enterprise, the rest to SMB, round-robin inside each team.
 * Sales must accept within 24 hours or the lead is escalated and reassigned once.
 */
export const handoff: HandoffConfigInput = {
  trigger: { on: 'hot' },
  teams: [
    { teamId: 'enterprise', name: 'エンタープライズ営業部' },
    { teamId: 'smb', name: 'SMB営業部' },
    { teamId: 'kansai', name: '関西営業所' },
  ],
  owners: [
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
  sla: { hours: 24, businessHours: false, reassignOnBreach: true, maxReassignments: 1 },
  crm: { system: 'salesforce', mapping: salesforceLeadMapping },
  recycle: { nurtureAfterDays: 30, sequenceId: 'recycle-nurture' },
  targets: [
    {
      kind: 'webhook',
      name: 'sales-inbox',
      url: 'https://hooks.example.co.jp/leadloop/handoff',
      apiKeyHeader: 'x-api-key',
      secretName: 'leadloop/sales-inbox-api-key',
      events: ['Lead Handed Off', 'Lead Assigned', 'Lead SLA Breached', 'Lead Updated'],
    },
  ],
};
