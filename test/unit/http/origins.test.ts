import { describe, expect, it } from 'vitest';
import { originAllowed } from '#http/origins';

describe('browser origins on public routes', () => {
  it('given a configured origin, the API itself or no Origin header, when checked, then the call is allowed', () => {
    expect(originAllowed('https://www.example.co.jp')).toBe(true);
    expect(originAllowed('https://api.example.co.jp')).toBe(true);
    expect(originAllowed(undefined)).toBe(true);
  });

  it('given a look-alike or foreign origin, when checked, then it is refused unless the form lists it', () => {
    expect(originAllowed('https://www.example.co.jp.evil.example')).toBe(false);
    expect(originAllowed('http://www.example.co.jp')).toBe(false);
    expect(originAllowed('https://partner.example.com')).toBe(false);
    expect(originAllowed('https://partner.example.com', ['https://partner.example.com'])).toBe(true);
  });
});
