/**
 * The column headers a lead import understands, per field: Japanese and English names as spreadsheets and
 * business-card apps write them. Pure data (no parser), so the console can show the list without bundling
 * the CSV reader.
 */
import type { EmailError } from '#domain/capture/email-address';
import type { EntryAttribute, ValueProblem } from '#domain/capture/manual-entry';

/** What a column can be mapped to: the e-mail, an entry attribute, or nothing (`-`, ignored). */
export type ImportField = 'email' | EntryAttribute;

export const ROW_PROBLEM_CODES = [
  'missing',
  'invalid_email',
  'too_long',
  'control_characters',
  'not_phone',
  'not_time_zone',
  'erased',
  'invalid',
] as const satisfies readonly ('missing' | 'invalid_email' | ValueProblem | 'erased' | 'invalid')[];
export type RowProblemCode = (typeof ROW_PROBLEM_CODES)[number];

/**
 * Why an import row is refused, one per field at fault: codes the console words in its language (a row's
 * `reason` is the same in English, for scripts and the CLI's error file).
 * - `missing`: no e-mail; `invalid_email`: not an address (`detail`: what is wrong with it);
 * - a value's problem (`too_long` with its `limit` in characters, `control_characters`, `not_phone`,
 *   `not_time_zone`);
 * - `erased`: the address was erased on request and may not come back;
 * - `invalid`: anything else (not expected from a mapped column; the reason says what).
 */
export interface RowProblem {
  field: ImportField;
  code: RowProblemCode;
  detail?: EmailError;
  limit?: number;
}

/**
 * Why a file cannot be imported at all, with `message` in English: no e-mail column, two columns for one field
 * (`field`, `columns`), an empty file, not a CSV, characters the encoding cannot read (from `line`), or a
 * `map` that names no field.
 */
export const FILE_PROBLEM_CODES = [
  'no_email_column',
  'duplicate_column',
  'empty_file',
  'not_csv',
  'bad_encoding',
  'bad_map',
] as const;
export interface FileProblem {
  code: (typeof FILE_PROBLEM_CODES)[number];
  message: string;
  field?: ImportField;
  columns?: [string, string];
  line?: number;
}

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
