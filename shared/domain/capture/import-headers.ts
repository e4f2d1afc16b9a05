/**
 * The column headers a lead import understands, per field: Japanese and English names as spreadsheets and
 * business-card apps write them. Pure data (no parser), so the console can show the list without bundling
 * the CSV reader.
 */
import type { EntryAttribute } from '#domain/capture/manual-entry';

/** What a column can be mapped to: the e-mail, an entry attribute, or nothing (`-`, ignored). */
export type ImportField = 'email' | EntryAttribute;

/**
 * Header names → field, each written as `headerKey` leaves it (a unit test checks), so the table is built
 * without normalizing at a cold start. Unknown headers are ignored and reported.
 */
export const HEADER_NAMES = [
  [
    'email',
    [
      'email',
      'emailaddress',
      'mail',
      'mailaddress',
      'eメール',
      'メール',
      'メールアドレス',
      'eメールアドレス',
      'mailアドレス',
    ],
  ],
  [
    'company',
    [
      'company',
      'companyname',
      'organization',
      'organisation',
      'account',
      '会社名',
      '会社',
      '企業名',
      '法人名',
      '社名',
      '組織名',
    ],
  ],
  ['department', ['department', 'dept', 'division', '部署', '部署名', '部門', '所属', '所属部署']],
  ['title', ['title', 'jobtitle', 'position', 'role', '役職', '役職名', '肩書', '肩書き']],
  ['name', ['name', 'fullname', 'contactname', '氏名', '名前', 'お名前', '担当者名', '担当者']],
  ['lastName', ['lastname', 'familyname', 'surname', '姓', '苗字', '名字', '氏']],
  ['firstName', ['firstname', 'givenname', '名', '下の名前']],
  [
    'phone',
    [
      'phone',
      'phonenumber',
      'tel',
      'telephone',
      'mobile',
      '電話番号',
      '電話',
      'tel番号',
      '携帯電話',
      '携帯電話番号',
      '代表電話',
    ],
  ],
  ['prefecture', ['prefecture', 'state', 'region', '都道府県', '所在地都道府県', '県']],
  [
    'employees',
    [
      'employees',
      'employeecount',
      'companysize',
      'numberofemployees',
      '従業員数',
      '社員数',
      '従業員規模',
      '企業規模',
    ],
  ],
  ['industry', ['industry', 'sector', '業種', '業界']],
  ['country', ['country', 'countrycode', '国', '国名', '国・地域']],
  [
    'message',
    ['message', 'note', 'notes', 'memo', 'comment', 'comments', '備考', 'メモ', 'コメント', '問い合わせ内容'],
  ],
  ['timeZone', ['timezone', 'tz', 'タイムゾーン', '時間帯']],
] as const satisfies readonly (readonly [ImportField, readonly string[]])[];

export const HEADER_ALIASES: Readonly<Record<string, ImportField>> = Object.fromEntries(
  HEADER_NAMES.flatMap(([field, names]) => names.map((n) => [n, field])),
);
