import { describe, expect, it } from 'vitest';
import { parseEnv } from '#config/env';

const GOOD = {
  TABLE_NAME: 'leads',
  EVENT_BUS_NAME: 'bus',
  SES_CONFIGURATION_SET: 'cs',
  PUBLIC_BASE_URL: 'https://api.example.co.jp//',
};

describe('function environment', () => {
  it('given the required variables, when parsed, then the base URL loses its trailing slashes and the log level defaults to info', () => {
    // Act
    const env = parseEnv(GOOD);

    // Assert
    expect(env).toStrictEqual({
      TABLE_NAME: 'leads',
      EVENT_BUS_NAME: 'bus',
      SES_CONFIGURATION_SET: 'cs',
      PUBLIC_BASE_URL: 'https://api.example.co.jp',
      LOG_LEVEL: 'info',
    });
  });

  it('given the optional secrets, when long enough, then they are kept', () => {
    // Act
    const env = parseEnv({
      ...GOOD,
      SIGNING_SECRET: 'x'.repeat(32),
      OPS_TOKEN: 'y'.repeat(16),
      LOG_LEVEL: 'silent',
    });

    // Assert
    expect(env).toMatchObject({
      SIGNING_SECRET: 'x'.repeat(32),
      OPS_TOKEN: 'y'.repeat(16),
      LOG_LEVEL: 'silent',
    });
  });

  it('given an SDK timeout scale (the local engines), when parsed, then it is a number; outside 1 to 100 it is refused', () => {
    // Act
    const env = parseEnv({ ...GOOD, SDK_TIMEOUT_SCALE: '10' });
    const bad = () => parseEnv({ ...GOOD, SDK_TIMEOUT_SCALE: 'slow' });

    // Assert
    expect(env.SDK_TIMEOUT_SCALE).toBe(10);
    expect(parseEnv(GOOD).SDK_TIMEOUT_SCALE).toBeUndefined();
    expect(bad).toThrow('invalid environment: SDK_TIMEOUT_SCALE: a number from 1 to 100');
    expect(() => parseEnv({ ...GOOD, SDK_TIMEOUT_SCALE: '0.5' })).toThrow('SDK_TIMEOUT_SCALE');
  });

  it('given missing and bad variables, when parsed, then one error names each of them', () => {
    // Act
    const parse = () =>
      parseEnv({
        EVENT_BUS_NAME: '',
        SES_CONFIGURATION_SET: 'cs',
        PUBLIC_BASE_URL: 'not a url',
        SIGNING_SECRET: 'short',
        OPS_TOKEN: 'short',
        LOG_LEVEL: 'verbose',
      });

    // Assert
    expect(parse).toThrow(
      'invalid environment: TABLE_NAME: required; EVENT_BUS_NAME: at least 1 characters; PUBLIC_BASE_URL: not a URL; LOG_LEVEL: one of debug, info, warn, error, silent; SIGNING_SECRET: at least 32 characters; OPS_TOKEN: at least 16 characters',
    );
  });
});
