import { createHash } from 'node:crypto';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import {
  type CsvEncoding,
  CsvFormatError,
  type CsvRow,
  decodeCsv,
  detectEncoding,
  errorCsv,
  HEADER_ALIASES,
  headerKey,
  type ImportOptions,
  importIdOf,
  MapSpecError,
  mapHeaders,
  mergeDuplicates,
  parseCsv,
  parseMapSpec,
  type RowResult,
  validateRow,
} from '#domain/capture/csv-import';
import { entryFacts, entryLeadAttributes, splitName } from '#domain/capture/manual-entry';
import { countryCode, leadTimeZone } from '#domain/lead/time-zone';
import { toCsv } from '#http/csv';

const OPTIONS: ImportOptions = {
  channel: 'event',
  source: '展示会 2026 東京',
  consentBasis: 'business_card',
};
const JA_HEADER = '会社名,部署,役職,姓,名,メールアドレス,電話番号,都道府県,従業員数';

describe('header mapping', () => {
  it('given Japanese headers with 姓/名, when mapped, then each column names its field and nothing is left over', () => {
    const mapping = mapHeaders(JA_HEADER.split(','));
    expect(mapping.errors).toEqual([]);
    expect(mapping.unmapped).toEqual([]);
    expect(mapping.columns).toEqual([
      'company',
      'department',
      'title',
      'lastName',
      'firstName',
      'email',
      'phone',
      'prefecture',
      'employees',
    ]);
  });

  it('given English headers in any case and spacing (and full-width), when mapped, then they are recognized', () => {
    const mapping = mapHeaders([
      'E-mail Address',
      'Company Name',
      'First Name',
      'LAST_NAME',
      'Ｔｉｔｌｅ',
      'Fax',
    ]);
    expect(mapping.columns).toEqual(['email', 'company', 'firstName', 'lastName', 'title', null]);
    expect(mapping.unmapped).toEqual(['Fax']);
  });

  it('given no e-mail column, then the mapping is refused with a message naming the fix', () => {
    expect(mapHeaders(['会社名', '氏名']).errors).toEqual([
      { code: 'no_email_column', field: 'email', message: expect.stringMatching(/no e-mail column.*--map/) },
    ]);
  });

  it('given two columns for one field, then the mapping is refused naming both', () => {
    expect(mapHeaders(['メール', 'Email']).errors).toEqual([
      {
        code: 'duplicate_column',
        field: 'email',
        columns: ['メール', 'Email'],
        message: 'columns "メール" and "Email" both map to email',
      },
    ]);
  });

  it('given --map, then it overrides the known names and can ignore a column', () => {
    const overrides = parseMapSpec('勤務先=company, メモ=-,連絡先=email');
    const mapping = mapHeaders(['勤務先', 'メモ', '連絡先'], overrides);
    expect(mapping.columns).toEqual(['company', null, 'email']);
    expect(mapping.unmapped).toEqual([]);
    expect(() => parseMapSpec('a=b')).toThrow(MapSpecError);
    expect(() => parseMapSpec('novalue')).toThrow(/not column=field/);
  });
});

describe('names', () => {
  it('given 氏名 with a full-width space, when split, then the family name comes first', () => {
    expect(splitName('山田　太郎')).toEqual({ lastName: '山田', firstName: '太郎' });
    expect(splitName('Taro Yamada')).toEqual({ firstName: 'Taro', lastName: 'Yamada' });
    expect(splitName('山田太郎')).toEqual({ lastName: '山田太郎' });
  });

  it('given 氏名 written with the variant kanji a person registers (the CP932 variants of 塚, 神, 隆), from a Shift_JIS file, when split, then the name is stored exactly as written, not replaced by the common form', () => {
    // Arrange: U+FA10 (塚), U+FA19 (神), U+F9DC (隆) (CJK compatibility ideographs; CP932's IBM extensions), which
    // NFKC would turn into 塚 (U+585A), 神 (U+795E), 隆 (U+9686): another kanji in the person's own name.
    const bytes = iconv.encode(
      '会社名,氏名,メールアドレス\r\n㈱髙島屋,\uFA10本\u3000\uFA19\uF9DC,a@example.co.jp\r\n',
      'cp932',
    );
    const { text } = decodeCsv(bytes);
    const [row] = parseCsv(text).rows;

    // Act
    const name = row?.values[1] ?? '';
    const split = splitName(name);

    // Assert
    expect(name).toBe('\uFA10本\u3000\uFA19\uF9DC');
    expect(split).toEqual({ lastName: '\uFA10本', firstName: '\uFA19\uF9DC' });
    expect(splitName('ﾔﾏﾀﾞ ﾀﾛｳ')).toEqual({ lastName: 'ﾔﾏﾀﾞ', firstName: 'ﾀﾛｳ' });
  });

  it('given 姓/名 and 氏名 together, then 姓/名 win and 氏名 is not stored', () => {
    expect(entryLeadAttributes({ name: '別人 花子', lastName: '山田', firstName: '太郎' })).toEqual({
      lastName: '山田',
      firstName: '太郎',
    });
  });
});

describe('encodings', () => {
  const text = `${JA_HEADER}\n株式会社サンプル,営業部,部長,髙橋,①郎,taro@example.co.jp,03-1234-5678,東京都,1000\n`;

  it('given Shift_JIS (CP932) bytes, when decoded without a hint, then it is detected and read exactly', () => {
    const bytes = iconv.encode(text, 'cp932');
    expect(detectEncoding(bytes)).toBe('sjis');
    expect(decodeCsv(bytes)).toEqual({ text, encoding: 'sjis' });
  });

  it('given UTF-8 with and without a BOM, then both read the same text', () => {
    const plain = Buffer.from(text, 'utf8');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), plain]);
    expect(decodeCsv(plain)).toEqual({ text, encoding: 'utf8' });
    expect(decodeCsv(bom)).toEqual({ text, encoding: 'utf8' });
  });

  it('given --encoding sjis, then the hint is used', () => {
    expect(decodeCsv(iconv.encode(text, 'cp932'), 'sjis').text).toBe(text);
  });

  it('given text that cannot be read whole (Shift_JIS forced as utf8, or already carrying U+FFFD from a trip as text), then the file is refused naming the line, never read with replacement characters', () => {
    // Arrange
    const sjis = iconv.encode('email,company\na@example.co.jp,株式会社テスト\n', 'cp932');
    const asText = Buffer.from(new TextDecoder('utf-8').decode(sjis)); // what a text/csv body becomes

    // Act + Assert
    expect(() => decodeCsv(sjis, 'utf8')).toThrow(CsvFormatError);
    expect(() => decodeCsv(sjis, 'utf8')).toThrow(/line 2 .*application\/octet-stream/);
    expect(() => decodeCsv(asText)).toThrow(/line 2 .*not UTF-8/);
    expect(() => decodeCsv(Buffer.from([0x85, 0x40]), 'sjis')).toThrow(/line 1 .*not Shift_JIS/);
    expect(() => decodeCsv(asText)).toThrow(
      expect.objectContaining({ problem: expect.objectContaining({ code: 'bad_encoding', line: 2 }) }),
    );
    expect(decodeCsv(sjis).text).toContain('株式会社テスト');
  });

  it('given every valid CP932 character and every single byte, then the decoder reads them as iconv-lite cp932 does', () => {
    // The runtime's ICU converter replaces a bundled table (cold start): it must agree on every character a
    // spreadsheet can hold, double-byte (JIS X 0208 with the NEC and IBM extensions) and single-byte alike.
    const chunks: Buffer[] = [];
    let expected = '';
    for (let lead = 0x81; lead <= 0xfc; lead++) {
      if (lead > 0x9f && lead < 0xe0) continue;
      for (let trail = 0x40; trail <= 0xfc; trail++) {
        const pair = Buffer.from([lead, trail]);
        const char = iconv.decode(pair, 'cp932');
        if ([...char].length !== 1 || char === '\ufffd') continue;
        chunks.push(pair);
        expected += char;
      }
    }
    expect(expected.length).toBeGreaterThan(9000);
    for (let byte = 0x00; byte <= 0xdf; byte++) {
      if (byte >= 0x80 && byte <= 0xa0) continue; // lead bytes and unassigned
      chunks.push(Buffer.from([byte]));
      expected += iconv.decode(Buffer.from([byte]), 'cp932');
    }
    expect(decodeCsv(Buffer.concat(chunks), 'sjis').text).toBe(expected);
  });
});

describe('rows', () => {
  const mapping = mapHeaders(JA_HEADER.split(','));
  const row = (line: number, values: string): CsvRow => ({ line, values: values.split(',') });

  it('given a quoted value with a line break, then the next row keeps its own first line number', () => {
    const { rows } = parseCsv(`会社名,メールアドレス\n"株式会社\n改行",a@example.jp\n\nB社,b@example.jp\n`);
    expect(rows.map((r) => r.line)).toEqual([2, 5]);
  });

  it('given bad rows, when validated, then each is refused with its line and the field named', () => {
    const bad = [
      validateRow(row(2, 'A社,,,山田,太郎,not-an-address,,,'), mapping, OPTIONS),
      validateRow(row(3, 'A社,,,山田,太郎,,,,'), mapping, OPTIONS),
      validateRow(row(4, 'A社,,,山田,太郎,ok@example.jp,電話なし,,'), mapping, OPTIONS),
    ];
    expect(bad).toEqual([
      {
        ok: false,
        line: 2,
        email: 'not-an-address',
        reason: expect.stringMatching(/^email: not a valid e-mail/),
        problems: [{ field: 'email', code: 'invalid_email', detail: 'missing_at' }],
      },
      {
        ok: false,
        line: 3,
        email: '',
        reason: 'email: missing',
        problems: [{ field: 'email', code: 'missing' }],
      },
      {
        ok: false,
        line: 4,
        email: 'ok@example.jp',
        reason: 'phone: not a phone number',
        problems: [{ field: 'phone', code: 'not_phone' }],
      },
    ]);
  });

  it('given a row with several faults, when validated, then each field at fault is one coded problem (for the console to word), beside the English reason', () => {
    // Arrange: an over-long address (its length and its syntax fail), a 201-character company, a control
    // character in the department, a time zone that is not one
    const headers = ['メールアドレス', '会社名', '部署', 'タイムゾーン'];
    const long = `${'a'.repeat(1030)}@example.jp`;
    const values = [long, 'あ'.repeat(201), '営業\u0007部', 'Tokyo'];

    // Act
    const result = validateRow({ line: 9, values }, mapHeaders(headers), OPTIONS);

    // Assert
    expect(result).toMatchObject({ ok: false, line: 9 });
    expect(result.ok ? [] : result.problems).toEqual([
      { field: 'email', code: 'invalid_email', detail: 'too_long' },
      { field: 'company', code: 'too_long', limit: 200 },
      { field: 'department', code: 'control_characters' },
      { field: 'timeZone', code: 'not_time_zone' },
    ]);
    expect(result.ok ? '' : result.reason).toMatch(
      /^email: .*; company: longer than 200 characters; department: contains control characters; timeZone: not an IANA/,
    );
  });

  it('given cells our exports guarded with a leading apostrophe, when validated, then they read as they were stored', () => {
    const read = validateRow(
      row(2, "'=株式会社A,'-営業部,'s部長,山田,太郎,taro@example.jp,'+81-3-1234-5678,,"),
      mapping,
      OPTIONS,
    );
    expect(read).toMatchObject({
      ok: true,
      entry: {
        attributes: {
          company: '=株式会社A',
          department: '-営業部',
          title: "'s部長",
          phone: '+81-3-1234-5678',
        },
      },
    });
  });

  it('given rows of one address, when merged, then the first keeps its values and later rows only fill gaps', () => {
    const rows = [
      validateRow(row(2, 'A社,,部長,山田,太郎,Taro@Example.jp,,,'), mapping, OPTIONS),
      validateRow(row(3, 'B社,営業部,,山田,太郎,taro@example.jp,,,'), mapping, OPTIONS),
    ].filter((r): r is Extract<RowResult, { ok: true }> => r.ok);
    const merged = mergeDuplicates(rows);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.line).toBe(2);
    expect(merged[0]?.merged).toEqual([3]);
    expect(merged[0]?.entry.attributes).toMatchObject({
      company: 'A社',
      department: '営業部',
      title: '部長',
    });
  });

  it('property: merging leaves exactly one entry per normalized address, at its first line, and loses no row', () => {
    const locals = fc.constantFrom('taro', 'Taro', 'hanako', 'ＴＡＲＯ', 'jiro');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(locals, fc.constantFrom('A社', 'B社', '')), { maxLength: 30 }),
        (spec) => {
          const results = spec.map(([local, company], i) =>
            validateRow(row(i + 2, `${company},,,,,${local}@example.jp,,,`), mapping, OPTIONS),
          );
          const ok = results.filter((r): r is Extract<RowResult, { ok: true }> => r.ok);
          const merged = mergeDuplicates(ok);
          const keys = merged.map((m) => m.emailKey);
          expect(new Set(keys).size).toBe(keys.length);
          expect(merged.reduce((n, m) => n + 1 + m.merged.length, 0)).toBe(ok.length);
          for (const m of merged) {
            expect(m.line).toBe(Math.min(...ok.filter((r) => r.emailKey === m.emailKey).map((r) => r.line)));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('maps a header named like an Object.prototype member (constructor, toString) to nothing, not to a function', () => {
    const mapped = mapHeaders(['email', 'Constructor', 'toString', '会社名']);
    expect(mapped.columns).toEqual(['email', null, null, 'company']);
  });

  it('writes every header alias as headerKey leaves it (the table is not normalized at import)', () => {
    const keys = Object.keys(HEADER_ALIASES);
    expect(keys.length).toBeGreaterThan(60);
    expect(keys.filter((k) => headerKey(k) !== k)).toEqual([]);
  });

  it('property: any header spelled with extra spaces, case or full-width forms maps like its plain spelling', () => {
    const names = ['メールアドレス', '会社名', 'email', 'Company', '従業員数', 'first name'];
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.boolean(), fc.boolean(), (name, upper, wide) => {
        let spelled = upper ? name.toUpperCase() : name;
        if (wide)
          spelled = [...spelled]
            .map((c) => (c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c))
            .join('');
        expect(headerKey(` ${spelled} `)).toBe(headerKey(name));
        expect(mapHeaders([spelled]).columns).toEqual(mapHeaders([name]).columns);
      }),
      { numRuns: 60 },
    );
  });

  it('given rejected rows, the error CSV has line, e-mail and reason, with formulas defused', () => {
    const csv = errorCsv([{ line: 7, email: '=cmd@x', reason: 'email: bad, really' }]);
    expect(csv).toBe('\uFEFFline,email,reason\r\n7,\'=cmd@x,"email: bad, really"\r\n');
  });
});

describe('cells as the exports write them', () => {
  const HEADER = 'email,phone,message';
  const read = (text: string) => parseCsv(text).rows.map((r) => r.values);

  it('given a call list with ="<digits>" cells, when read, then each is the digits with its leading 0 (and +, full-width as written)', () => {
    // Arrange: what #http/csv writes for digits-only text (Excel shows ="…" as that text).
    const csv = `${HEADER}\r\n"a@example.jp",="0312345678",="0600001"\r\n"b@example.jp",="+81312345678",="０３１２"\r\n`;

    // Act
    const values = read(csv);
    const entry = validateRow({ line: 2, values: values[0] ?? [] }, mapHeaders(HEADER.split(',')), OPTIONS);

    // Assert
    expect(values).toEqual([
      ['a@example.jp', '0312345678', '0600001'],
      ['b@example.jp', '+81312345678', '０３１２'],
    ]);
    expect(entry).toMatchObject({ ok: true, entry: { attributes: { phone: '0312345678' } } });
  });

  it('given the file as Excel saves it back (CSV UTF-8 with a BOM, or Shift_JIS), then the bare digits read as they are', () => {
    // Excel writes a ="0312345678" cell back as its value, unquoted.
    const text = '会社名,メールアドレス,電話番号\r\n株式会社テスト,a@example.jp,0312345678\r\n';
    for (const bytes of [Buffer.from(`\uFEFF${text}`), iconv.encode(text, 'cp932')]) {
      const decoded = decodeCsv(bytes);
      expect(read(decoded.text)).toEqual([['株式会社テスト', 'a@example.jp', '0312345678']]);
    }
  });

  it('given text that only looks like the form (a quoted cell, the form inside other text, an apostrophe), then it reads as written', () => {
    const csv = [
      HEADER,
      // A person typed ="0312345678" as text: CSV quotes it, so it stays text (and is no phone number).
      `a@example.jp,"=""0312345678""",x`,
      `b@example.jp,0312345678,"メモ ,=""0312345678"",\r\n=""03"""`,
      `c@example.jp,'0312345678,x`,
    ].join('\r\n');
    const values = read(csv);
    expect(values).toEqual([
      ['a@example.jp', '="0312345678"', 'x'],
      ['b@example.jp', '0312345678', 'メモ ,="0312345678",\r\n="03"'],
      ['c@example.jp', "'0312345678", 'x'],
    ]);
    const mapping = mapHeaders(HEADER.split(','));
    expect(validateRow({ line: 2, values: values[0] ?? [] }, mapping, OPTIONS)).toMatchObject({
      ok: false,
      reason: 'phone: not a phone number',
    });
  });

  it.each([
    '="abc"',
    '=HYPERLINK("http://evil.example","0312345678")',
    '="03"12',
    '="03""12"',
    '=""',
    '="03-1234-5678"',
    '="++81"',
    ' ="0312345678"',
    '="0312345678" ',
    '=+"0312345678"',
    `'="0312345678"`,
  ])('given the unquoted cell %s (not exactly ="<digits>"), then the file is refused as before', (cell) => {
    expect(() => parseCsv(`${HEADER}\r\na@example.jp,${cell},x\r\n`)).toThrow(CsvFormatError);
  });

  it("property: any text the exports write reads back as itself (a formula-like one with the guard's apostrophe)", () => {
    const digits = fc.stringMatching(/^\+?[0-9０-９]{1,300}$/);
    const shaped = fc.stringMatching(/^[=+\-@'" ,\r\n0-9a-z０３]{0,20}$/);
    fc.assert(
      fc.property(fc.oneof(digits, shaped, fc.string({ maxLength: 40 })), (value) => {
        const csv = toCsv([HEADER.split(','), ['a@example.jp', value, 'x']]);
        const [row] = parseCsv(decodeCsv(Buffer.from(csv)).text).rows;
        const digitsOnly = value.length <= 255 && /^\+?[0-9０-９]+$/.test(value);
        const expected = !digitsOnly && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
        expect(row?.values).toEqual(['a@example.jp', expected, 'x']);
      }),
      { numRuns: 300 },
    );
  });
});

describe('import id', () => {
  /** The id of a run over `bytes` with an optional `--map` and `--encoding`, read as `importLeads` reads it. */
  const idOf = (bytes: Uint8Array, map?: string, encoding?: CsvEncoding, options = OPTIONS) => {
    const decoded = decodeCsv(bytes, encoding);
    const { headers } = parseCsv(decoded.text);
    const { columns } = mapHeaders(headers, parseMapSpec(map));
    return importIdOf(bytes, options, { encoding: decoded.encoding, headers, columns });
  };
  const FILE = Buffer.from('勤務先,メールアドレス,メモ\n株式会社例,a@example.co.jp,x\n');

  it('given the same bytes, options and reading, then the id is the same; other options give another id', () => {
    expect(idOf(FILE)).toBe(idOf(Buffer.from(FILE)));
    expect(idOf(FILE, undefined, undefined, { ...OPTIONS, consentBasis: 'none' })).not.toBe(idOf(FILE));
    expect(idOf(FILE, undefined, undefined, { ...OPTIONS, ownerId: 'tanaka' })).not.toBe(idOf(FILE));
  });

  it('given a --map that changes a column, then the id changes; a --map that changes nothing keeps it', () => {
    expect(idOf(FILE, '勤務先=company')).not.toBe(idOf(FILE));
    expect(idOf(FILE, '勤務先=company')).not.toBe(idOf(FILE, '勤務先=department'));
    expect(idOf(FILE, 'メモ=-')).not.toBe(idOf(FILE));
    // Restating what the known names resolve to, or ignoring a column that was ignored anyway.
    expect(idOf(FILE, 'メールアドレス=email')).toBe(idOf(FILE));
    expect(idOf(FILE, '勤務先=-')).toBe(idOf(FILE));
  });

  it('given equivalent --map specs (spacing, case, full-width, order, empty pairs), then the id is the same', () => {
    const id = idOf(FILE, '勤務先=company,メモ=-');
    expect(idOf(FILE, ' メモ = - , 勤務先=company ,')).toBe(id);
    expect(idOf(FILE, '勤務先=company,メモ=-,メールアドレス=email')).toBe(id);
    const en = Buffer.from('Work Place,E-Mail\nExample,a@example.co.jp\n');
    expect(idOf(en, 'WORK_PLACE=company')).toBe(idOf(en, 'ｗｏｒｋ ｐｌａｃｅ=company'));
    expect(idOf(en, 'WORK_PLACE=company')).not.toBe(idOf(en));
  });

  it('given the encoding forced to the one detected, then the id is the same; forced to another, it changes', () => {
    const sjis = iconv.encode('会社名,メールアドレス\n株式会社例,a@example.co.jp\n', 'cp932');
    expect(idOf(sjis, undefined, 'sjis')).toBe(idOf(sjis));
    expect(idOf(FILE, undefined, 'utf8')).toBe(idOf(FILE));
    // (An ASCII file reads the same either way; a Japanese UTF-8 file forced to sjis is refused: decodeCsv.)
    const ascii = Buffer.from('company,email\nExample Inc.,a@example.co.jp\n');
    expect(idOf(ascii, undefined, 'sjis')).not.toBe(idOf(ascii));
  });

  it('given a file read as it would be without --map and --encoding, then the id is the hash of the file and options alone (the id of earlier imports)', () => {
    const legacy = createHash('sha256')
      .update(FILE)
      .update(JSON.stringify([OPTIONS.channel, OPTIONS.source, OPTIONS.consentBasis, '']))
      .digest('hex')
      .slice(0, 20);
    expect(idOf(FILE)).toBe(legacy);
    expect(idOf(FILE, 'メールアドレス=email', 'utf8')).toBe(legacy);
    expect(idOf(FILE, '勤務先=company')).not.toBe(legacy);
  });
});

describe('entries and time zones', () => {
  it('given consent basis none, then no consent is recorded; business_card records one on that basis', () => {
    const base = { email: 'a@example.jp', attributes: {}, channel: 'partner' as const, source: 's' };
    const none = entryFacts({ ...base, consentBasis: 'none' }, { kind: 'manual', entryId: 'x' }, 1);
    const card = entryFacts(
      { ...base, consentBasis: 'business_card' },
      { kind: 'import', importId: 'i', line: 3 },
      1,
    );
    expect(none.consent).toBeNull();
    expect(card.consent).toMatchObject({
      textVersion: 'basis:business_card',
      formId: 'import:i',
      doubleOptIn: false,
    });
    expect(card.formEvent.eventId).toBe('import:i:3');
    expect(card.touch.channel).toBe('partner'); // a declared partner/referral groups as referral
    expect(card.byOps).toBe(true);
    // An import row's event may be offered again (a resumed import); a manual entry's id is new each time.
    expect(card.mayRepeat).toBe(true);
    expect(none.mayRepeat).toBeUndefined();
  });

  it('given a valid zone it wins; else the country decides; else nothing (the configured default applies)', () => {
    expect(leadTimeZone({ given: 'America/Los_Angeles', country: 'JP' })).toBe('America/Los_Angeles');
    expect(leadTimeZone({ given: 'Mars/Base', country: '日本' })).toBe('Asia/Tokyo');
    expect(leadTimeZone({ country: 'us' })).toBe('America/New_York');
    expect(leadTimeZone({ country: 'Atlantis' })).toBeUndefined();
    expect(countryCode('Japan')).toBe('JP');
  });
});
