import type { Channel, ChannelGroup } from '#domain/lead/types';

/**
 * What a Japanese B2B team calls each channel (the stored channel groups and the forms' own channels): the
 * console's Japanese labels and the weekly digest read them from here, so a report and the page it links to
 * name a channel the same way. A value without a label (a custom group) shows as stored.
 */
export const CHANNEL_LABELS_JA: Readonly<Record<Channel | ChannelGroup, string>> = {
  direct: '直接流入',
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
};

export const channelLabelJa = (channel: string): string =>
  (CHANNEL_LABELS_JA as Readonly<Record<string, string>>)[channel] ?? channel;
