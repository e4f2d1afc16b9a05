/**
 * The lead's own time zone (`profile.timeZone`), which send windows honour (`resolveWindow` in
 * `#domain/nurture/sequences`). Decided once where the profile is built (form capture, manual entry,
 * import): the zone given with the lead when it is a valid IANA name, else the main zone of its country,
 * else none, so the configured default applies.
 */
import { isValidTimeZone } from '#domain/nurture/calendar';

/**
 * Country (ISO 3166-1 alpha-2, or a common English/Japanese name) → the zone most of its business is in.
 * Countries spanning several zones get their business capital's zone; give `timeZone` to be precise.
 */
const COUNTRY_ZONES: Readonly<Record<string, string>> = {
  JP: 'Asia/Tokyo',
  US: 'America/New_York',
  CA: 'America/Toronto',
  GB: 'Europe/London',
  IE: 'Europe/Dublin',
  DE: 'Europe/Berlin',
  FR: 'Europe/Paris',
  NL: 'Europe/Amsterdam',
  ES: 'Europe/Madrid',
  IT: 'Europe/Rome',
  CH: 'Europe/Zurich',
  SE: 'Europe/Stockholm',
  KR: 'Asia/Seoul',
  CN: 'Asia/Shanghai',
  TW: 'Asia/Taipei',
  HK: 'Asia/Hong_Kong',
  SG: 'Asia/Singapore',
  TH: 'Asia/Bangkok',
  VN: 'Asia/Ho_Chi_Minh',
  PH: 'Asia/Manila',
  MY: 'Asia/Kuala_Lumpur',
  ID: 'Asia/Jakarta',
  IN: 'Asia/Kolkata',
  AU: 'Australia/Sydney',
  NZ: 'Pacific/Auckland',
  BR: 'America/Sao_Paulo',
  MX: 'America/Mexico_City',
};

/** Names people type into a country column, normalized (NFKC, lower case, no spaces/dots). */
const COUNTRY_NAMES: Readonly<Record<string, string>> = {
  japan: 'JP',
  日本: 'JP',
  にほん: 'JP',
  jpn: 'JP',
  unitedstates: 'US',
  usa: 'US',
  アメリカ: 'US',
  米国: 'US',
  unitedkingdom: 'GB',
  uk: 'GB',
  イギリス: 'GB',
  英国: 'GB',
  germany: 'DE',
  ドイツ: 'DE',
  france: 'FR',
  フランス: 'FR',
  korea: 'KR',
  southkorea: 'KR',
  韓国: 'KR',
  china: 'CN',
  中国: 'CN',
  taiwan: 'TW',
  台湾: 'TW',
  singapore: 'SG',
  シンガポール: 'SG',
  india: 'IN',
  インド: 'IN',
  australia: 'AU',
  オーストラリア: 'AU',
  canada: 'CA',
  カナダ: 'CA',
};

/** The ISO code of a country as typed (`JP`, `jp`, `Japan`, `日本`), or undefined when unknown. */
export function countryCode(country: string | undefined): string | undefined {
  if (!country) return undefined;
  const key = country
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[\s.]+/g, '');
  if (key.length === 2 && Object.hasOwn(COUNTRY_ZONES, key.toUpperCase())) return key.toUpperCase();
  return Object.hasOwn(COUNTRY_NAMES, key) ? COUNTRY_NAMES[key] : undefined;
}

/**
 * The lead's time zone: `given` when it is a valid IANA zone, else its country's zone, else undefined
 * (leave the profile without one: the configured send window zone applies).
 */
export function leadTimeZone(input: {
  given?: string | undefined;
  country?: string | undefined;
}): string | undefined {
  const given = input.given?.trim();
  if (given && isValidTimeZone(given)) return given;
  const code = countryCode(input.country);
  return code ? COUNTRY_ZONES[code] : undefined;
}
