/**
 * CSV for spreadsheets: UTF-8 with a BOM (Excel in Japan then reads it as UTF-8), CRLF line ends, every text
 * cell quoted with inner quotes doubled, and text a spreadsheet would run as a formula (= + - @, or a
 * leading tab or CR) prefixed with `'`. Numbers are written as numbers, null as an empty cell.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function toCsv(rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return `\uFEFF${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
