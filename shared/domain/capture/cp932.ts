/**
 * Shift_JIS as Japanese software writes it (CP932, with the NEC and IBM extensions: ①, ㈱, 髙), decoded by the
 * runtime's own ICU converter (Node's TextDecoder, full ICU since Node 13, as in Lambda) instead of a bundled
 * table: every valid CP932 character decodes as iconv-lite's cp932 does (test/unit/capture/csv-import.test.ts
 * compares all 9,576 of them). ICU's converter swaps three control bytes (0x1A → U+001C, 0x1C → U+007F,
 * 0x7F → U+001A); they are put back so a stray control byte reads as the byte it was. Bytes that are not
 * CP932 read as U+FFFD: callers refuse such text rather than store it.
 */
const ICU_CONTROL_SWAP: Record<string, string> = {
  '\u001c': '\u001a',
  '\u007f': '\u001c',
  '\u001a': '\u007f',
};
// biome-ignore lint/suspicious/noControlCharactersInRegex: exactly the three control characters ICU swaps.
const ICU_SWAPPED = /[\u001a\u001c\u007f]/g;

export const decodeCp932 = (bytes: Uint8Array): string =>
  new TextDecoder('shift_jis').decode(bytes).replace(ICU_SWAPPED, (c) => ICU_CONTROL_SWAP[c] ?? c);
