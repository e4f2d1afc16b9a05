import { describe, expect, it } from 'vitest';
import { parseSettings } from '#config/settings-schema';
import * as values from '../../../config/index.ts';

/** `config/app.ts` → `signIn`: who signs in besides the sales owners, checked against config/handoff.ts. */
const withPeople = (people: unknown[]) =>
  parseSettings({ ...values, app: { ...values.app, signIn: { ...values.app.signIn, people } } });

describe('signIn.people in config/app.ts', () => {
  it('given the demo, when parsed, then marketing and an administrator sign in besides the owners', () => {
    const parsed = parseSettings(values);
    expect(parsed.app.signIn).toEqual({
      mfa: 'optional',
      threatProtection: 'audit',
      mailThroughSes: true,
      people: [
        { email: 'n.mori@example.co.jp', name: '森 直人', role: 'admin' },
        { email: 'm.nakajima@example.co.jp', name: '中島 美穂', role: 'marketing' },
      ],
    });
  });

  it('given a person who is a sales owner, listed twice, or with a role that is not theirs to give, when parsed, then the field is named', () => {
    expect(() =>
      withPeople([{ email: 'N.Kobayashi@example.co.jp', name: '小林 直樹', role: 'admin' }]),
    ).toThrow(
      /app\.signIn\.people\[0\]\.email: N\.Kobayashi@example\.co\.jp is a sales owner in config\/handoff\.ts/,
    );
    expect(() =>
      withPeople([
        { email: 'a@example.co.jp', name: 'A', role: 'admin' },
        { email: 'A@example.co.jp', name: 'A', role: 'marketing' },
      ]),
    ).toThrow(/app\.signIn\.people\[1\]\.email: A@example\.co\.jp is listed twice/);
    expect(() => withPeople([{ email: 'b@example.co.jp', name: 'B', role: 'sales' }])).toThrow(
      /app\.signIn\.people\[0\]\.role/,
    );
    expect(() => withPeople([{ email: 'not-an-address', name: 'C', role: 'admin' }])).toThrow(
      /app\.signIn\.people\[0\]\.email/,
    );
  });
});
