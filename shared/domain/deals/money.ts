/**
 * Deal amounts and their currency. A currency is an ISO 4217 code the runtime's Intl knows, and an amount has
 * at most the currency's minor-unit digits: none for JPY or KRW (1 yen is the smallest amount), two for USD or
 * EUR. Both are read from Intl on first use and kept (about 160 codes), so a bundle that never checks an amount
 * pays nothing at cold start.
 */

let codes: ReadonlySet<string> | undefined;
const digits = new Map<string, number>();

/** An ISO 4217 code the runtime knows (`JPY`, `USD`); `YEN` or `jpy` are not. */
export function isCurrencyCode(code: string): boolean {
  codes ??= new Set(Intl.supportedValuesOf('currency'));
  return codes.has(code);
}

/** The currency's minor-unit digits (JPY 0, USD 2, BHD 3); undefined for a code the runtime does not know. */
export function currencyDecimals(currency: string): number | undefined {
  if (!isCurrencyCode(currency)) return undefined;
  let d = digits.get(currency);
  if (d === undefined) {
    d =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2;
    digits.set(currency, d);
  }
  return d;
}

/**
 * Is `amount` expressible in `currency`: an integer for a currency without a minor unit, at most its minor-unit
 * digits otherwise (19.99 USD yes, 19.999 no)? True for a currency the runtime does not know (that is the
 * currency's error, reported on its own field).
 */
export function fitsCurrency(amount: number, currency: string): boolean {
  const d = currencyDecimals(currency);
  if (d === undefined) return true;
  return Number.isFinite(amount) && Number(amount.toFixed(d)) === amount;
}

/** The message for an amount that does not fit its currency. */
export function amountIssue(currency: string): string {
  const d = currencyDecimals(currency) ?? 0;
  return d === 0
    ? `${currency} has no minor unit: the amount must be a whole number`
    : `${currency} has ${d} decimal places: the amount may have at most ${d}`;
}
