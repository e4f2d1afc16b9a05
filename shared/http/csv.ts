/**
 * CSV for spreadsheets: UTF-8 with a BOM (Excel in Japan then reads it as UTF-8), CRLF line ends, every text
 * cell quoted with inner quotes doubled, and text a spreadsheet would run as a formula (= + - @, or a
 * leading tab or CR) prefixed with `'`. Numbers are written as numbers, null as an empty cell.
 *
 * Text of digits only stays text: Excel reads a cell such as 0312345678 as a number whether or not it is
 * quoted, so a phone number or postal code would lose its leading 0 (a rep dials 312345678), and 12 digits
 * or more show in exponent form (past 15, rounded). Such text is written as `="0312345678"`, the formula
 * Excel shows as exactly that text; the import reads the same cell back as the digits
 * (`#domain/capture/csv-import`, `parseCsv`).
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return String(value);
  if (isDigitsText(value)) return `="${value}"`;
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** Excel's limit on a text constant inside a formula; longer digit runs are written as plain text. */
const MAX_FORMULA_TEXT = 255;

/**
 * Digits only, ASCII or full-width (Excel in Japan takes full-width digits typed into a cell for a number;
 * as text in `="…"` they show as written either way), after at most one `+` (+81312345678, which Excel
 * would otherwise run as a formula or read as a number). Nothing else is ever written inside `="…"`: the
 * text holds no quote that could end the literal, so no user text becomes a formula.
 */
const isDigitsText = (value: string): boolean =>
  value.length <= MAX_FORMULA_TEXT && /^\+?[0-9\uFF10-\uFF19]+$/.test(value); // 0-9 and ０-９

export function toCsv(rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return `\uFEFF${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
