import { useState } from 'preact/hooks';
import { HEADER_NAMES, type RowProblem } from '#domain/capture/import-headers';
import { api } from './api.ts';
import { fill, type T, valueLabel } from './i18n.ts';
import {
  CONSENT_CHOICES,
  errorText,
  html,
  Message,
  num,
  ownerOptions,
  type Result,
  saveFile,
  useSettings,
} from './ui.ts';

/** What `POST /v1/ops/imports` answers (shared/app/import-leads.ts). */
interface ImportAnswer {
  importId: string;
  rows: number;
  created: number;
  updated: number;
  rejected: number;
  skipped: number;
  duplicates: number;
  unmappedColumns: string[];
  columns?: { header: string; field: string | null }[];
  dryRun: boolean;
  rejectedRows: { line: number; email: string; reason: string; problems?: RowProblem[] }[];
  /** With an owner: the one mail telling them (none when they imported for themselves). */
  ownerMail?: { outcome: string; why?: string };
}

/** What the summary says of the owner's mail (nothing when none was due). */
function ownerMailNote(t: T, mail: ImportAnswer['ownerMail']): string | undefined {
  switch (mail?.outcome) {
    case 'sent':
      return t('ownerMailSent');
    case 'already_sent':
      return t('ownerMailAlreadySent');
    case 'failed':
      return t('ownerMailFailed');
    default:
      return undefined;
  }
}

/**
 * Why a row was refused, in the console's language: each field at fault with what is wrong
 * (「電話番号: 電話番号として読めません…」). The API's English reason when it sends no codes.
 */
function reasonText(t: T, row: ImportAnswer['rejectedRows'][number]): string {
  if (!row.problems?.length) return row.reason;
  return row.problems
    .map((p) => {
      const what = fill(valueLabel(t, 'rowProblem', p.code), { n: p.limit ?? '' });
      const detail = p.detail
        ? `${t('lang') === 'en' ? ' ' : ''}(${valueLabel(t, 'emailError', p.detail)})`
        : '';
      return `${valueLabel(t, 'attribute', p.field)}: ${what}${detail}`;
    })
    .join(' / ');
}

const CHANNELS = ['event', 'outbound', 'referral', 'webinar', 'partner', 'import'];

/** The file as text: UTF-8 if it is valid UTF-8, else Shift_JIS (Excel in Japan), decoded by the browser. */
async function readCsv(file: File): Promise<{ text: string; encoding: string }> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'UTF-8' };
  } catch {
    return { text: new TextDecoder('shift_jis').decode(bytes), encoding: 'Shift_JIS' };
  }
}

/** A file to start from: the usual Japanese headers and one example row (UTF-8 with BOM, for Excel). */
function sampleCsv(): string {
  const rows = [
    ['メールアドレス', '会社名', '部署', '役職', '姓', '名', '電話番号', '都道府県', '従業員数', '備考'],
    [
      'taro.yamada@example.co.jp',
      '株式会社サンプル商事',
      '情報システム部',
      '部長',
      '山田',
      '太郎',
      '03-1234-5678',
      '東京都',
      '300',
      '展示会で名刺交換',
    ],
  ];
  return `\uFEFF${rows.map((r) => r.join(',')).join('\r\n')}\r\n`;
}

/**
 * The headers each field is read from: the field's own name first, the other Japanese names, then its
 * English name (the table holds them as compared: lower case, no spaces).
 */
function Columns({ t }: { t: T }) {
  const ascii = (name: string) => /^[\x20-\x7e]+$/.test(name);
  const shown = (label: string, names: readonly string[]) => [
    ...new Set([label, ...names.filter((n) => !ascii(n)), ...names.filter(ascii).slice(0, 1)]),
  ];
  return html`<details class="columns" data-testid="columns"><summary>${t('importColumns')}</summary>
    <p class="muted">${t('importColumnsHint')}</p>
    <ul>${HEADER_NAMES.map(
      ([field, names]) =>
        html`<li data-field=${field}><strong>${valueLabel(t, 'attribute', field)}</strong>${field === 'email' ? ` (${t('requiredField')})` : ''}: ${shown(valueLabel(t, 'attribute', field), names).join('、')}</li>`,
    )}</ul>
    <button type="button" class="secondary" onClick=${() => saveFile('leads-template.csv', sampleCsv())}>${t('downloadSample')}</button>
  </details>`;
}

/** The rejected rows as a CSV (BOM for Excel; cells that look like formulas quoted away). */
function errorCsv(t: T, rows: ImportAnswer['rejectedRows']): string {
  const cell = (v: string | number) => {
    const s = String(v);
    const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  // Headed in the console's language, like the table it downloads (行, メールアドレス, 理由).
  const lines = [
    [t('line'), valueLabel(t, 'attribute', 'email'), t('reason')],
    ...rows.map((r) => [r.line, r.email, reasonText(t, r)]),
  ];
  return `\uFEFF${lines.map((l) => l.map(cell).join(',')).join('\r\n')}\r\n`;
}

function Summary({ t, answer }: { t: T; answer: ImportAnswer }) {
  return html`<section class="card" aria-labelledby="h-summary" data-testid=${answer.dryRun ? 'preview' : 'summary'}>
    <h2 id="h-summary">${answer.dryRun ? t('importPreview') : t('importSummary')}</h2>
    <dl class="figures">
      ${(['rows', 'created', 'updated', 'rejected', 'skipped', 'duplicates'] as const).map(
        (k) => html`<div><dt>${t(k)}</dt><dd data-figure=${k}>${num(answer[k])}</dd></div>`,
      )}
    </dl>
    ${
      answer.columns &&
      html`<h3>${t('columnMapping')}</h3><div class="scroll"><table data-testid="mapping"><thead><tr><th scope="col">${t('column')}</th><th scope="col">${t('field')}</th></tr></thead><tbody>
      ${answer.columns.map((c) => html`<tr><td>${c.header}</td><td data-field=${c.field ?? ''}>${c.field ? valueLabel(t, 'attribute', c.field) : html`<span class="muted">${t('ignored')}</span>`}</td></tr>`)}
    </tbody></table></div>`
    }
    ${answer.unmappedColumns.length > 0 && html`<p class="notice">${t('ignoredColumns')}: ${answer.unmappedColumns.join(', ')}</p>`}
    ${ownerMailNote(t, answer.ownerMail) && html`<p class=${answer.ownerMail?.outcome === 'failed' ? 'notice' : 'ok'} data-testid="owner-mail">${ownerMailNote(t, answer.ownerMail)}</p>`}
    <h3>${t('rejected')}</h3>
    ${
      answer.rejectedRows.length === 0
        ? html`<p>${t('noData')}</p>`
        : html`<div class="scroll"><table data-testid="rejected"><thead><tr><th scope="col" class="num">${t('line')}</th><th scope="col">${t('email')}</th><th scope="col">${t('reason')}</th></tr></thead><tbody>
        ${answer.rejectedRows.map((r) => html`<tr><td class="num">${r.line}</td><td>${r.email}</td><td>${reasonText(t, r)}</td></tr>`)}
      </tbody></table></div>
      <button type="button" class="secondary" onClick=${() => saveFile(`import-errors-${answer.importId.slice(0, 8)}.csv`, errorCsv(t, answer.rejectedRows))}>${t('downloadErrors')}</button>`
    }
  </section>`;
}

/**
 * Upload → preview (a dry run: the column mapping and what would be created, updated or rejected, nothing
 * written) → run (the same request without dryRun: idempotent, the same file again changes nothing) →
 * the summary and the rejected rows with their line and reason, downloadable as an error CSV.
 */
export function ImportPage({ t }: { t: T }) {
  const settings = useSettings();
  const [request, setRequest] = useState<Record<string, unknown> | undefined>();
  const [encoding, setEncoding] = useState('');
  const [preview, setPreview] = useState<ImportAnswer | undefined>();
  const [done, setDone] = useState<ImportAnswer | undefined>();
  const [result, setResult] = useState<Result>();
  const [busy, setBusy] = useState(false);

  const send = async (body: Record<string, unknown>, dryRun: boolean) => {
    setBusy(true);
    setResult(undefined);
    try {
      const answer = await api<ImportAnswer>('POST', '/v1/ops/imports', { ...body, dryRun });
      if (dryRun) setPreview(answer);
      else setDone(answer);
    } catch (err) {
      setResult({ ok: false, text: errorText(t, err) });
    } finally {
      setBusy(false);
    }
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const file = form.get('file');
    if (!(file instanceof File) || file.size === 0) return;
    const csv = await readCsv(file);
    const body = {
      csv: csv.text,
      channel: String(form.get('channel')),
      source: String(form.get('source')).trim() || file.name,
      consent: String(form.get('consent')),
      // Each imported lead handed off to this owner (the rep who met them); none: scoring and rules decide.
      ...(form.get('owner') ? { ownerId: String(form.get('owner')) } : {}),
    };
    setEncoding(csv.encoding);
    setRequest(body);
    setPreview(undefined);
    setDone(undefined);
    await send(body, true);
  };
  return html`<section class="card" aria-labelledby="h-import"><h2 id="h-import">${t('import')}</h2>
    <form class="stack" onSubmit=${submit} data-form="import">
      <label>${t('uploadCsv')}<input type="file" name="file" accept=".csv,text/csv" required /></label>
      <label>${t('channel')}<select name="channel">${CHANNELS.map((c) => html`<option value=${c}>${valueLabel(t, 'channel', c)}</option>`)}</select></label>
      <label>${t('source')}<input name="source" placeholder="展示会 2026 東京" maxLength="200" /></label>
      <label>${t('consentBasis')}<select name="consent">${CONSENT_CHOICES.map((c) => html`<option value=${c}>${valueLabel(t, 'basis', c)}</option>`)}</select></label>
      <label>${t('importOwner')}<select name="owner"><option value="">${t('noImportOwner')}</option>${ownerOptions(settings)}</select></label>
      <button class="primary" type="submit" disabled=${busy}>${t('previewImport')}</button>
    </form>
    <${Columns} t=${t} />
    ${busy && html`<p class="muted" role="status">${t('loading')}</p>`}
    <${Message} result=${result} />
    ${encoding && html`<p class="muted">${t('encoding')}: ${encoding}</p>`}
  </section>
  ${preview && html`<${Summary} t=${t} answer=${preview} />`}
  ${
    preview &&
    request &&
    !done &&
    html`<p><button class="primary" type="button" data-action="run-import" disabled=${busy} onClick=${() => send(request, false)}>${t('runImport')}</button></p>`
  }
  ${done && html`<${Summary} t=${t} answer=${done} />`}`;
}
