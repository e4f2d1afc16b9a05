import type { Channel, ChannelGroup, Stage, Temperature } from '#domain/lead/types';

/**
 * What a Japanese B2B team calls each channel (the stored channel groups and the forms' own channels), stage
 * and temperature: the console's Japanese labels, the weekly digest and the lead list's Japanese CSV read them
 * from here, so a report, a sheet and the page they link to name a value the same way. A value without a
 * label (a custom group) shows as stored. The funnel's acronyms stay as B2B teams say them (MQL, SQL …).
 */
export const CHANNEL_LABELS_JA: Readonly<Record<Channel | ChannelGroup, string>> = {
  direct: '直接流入',
  phone: '電話',
  organic_search: '自然検索',
  paid_search: '検索広告',
  organic_social: 'ソーシャル',
  paid_social: 'ソーシャル広告',
  email: 'メール',
  referral: '外部サイト',
  event: '展示会・イベント',
  webinar: 'ウェビナー',
  outbound: 'アウトバウンド',
  partner: 'パートナー',
  import: 'インポート',
  other: 'その他',
  inbound_web: 'Webフォーム',
  inbound_phone: '電話問い合わせ',
};

export const channelLabelJa = (channel: string): string =>
  (CHANNEL_LABELS_JA as Readonly<Record<string, string>>)[channel] ?? channel;

export const STAGE_LABELS_JA: Readonly<Record<Stage, string>> = {
  subscriber: '購読者',
  lead: 'リード',
  mql: 'MQL',
  tql: 'TQL',
  sal: 'SAL',
  sql: 'SQL',
  opportunity: '商談',
  customer: '顧客',
  recycled: 'リサイクル',
  disqualified: '失格',
};

export const TEMPERATURE_LABELS_JA: Readonly<Record<Temperature, string>> = {
  hot: 'ホット',
  warm: 'ウォーム',
  cold: 'コールド',
};

/** The hand-off's two SLA clocks (`SlaClockName`): accepting the lead, then first contact. */
export const SLA_CLOCK_LABELS_JA: Readonly<Record<'accept' | 'first_contact', string>> = {
  accept: '受諾',
  first_contact: '初回接触',
};

/** What opened a hand-off (`HandoffTriggerName`): the console's routing table and the owners' alert mails. */
export const HANDOFF_TRIGGER_LABELS_JA: Readonly<
  Record<'hot' | 'mql' | 'inquiry' | 'appointment_set' | 'manual' | 'accept', string>
> = {
  hot: 'ホット化',
  mql: 'MQL化',
  inquiry: '問い合わせ・デモ依頼',
  appointment_set: 'アポイント獲得(TQL)',
  manual: '手動',
  accept: '受諾',
};
