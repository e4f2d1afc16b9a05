// Registers the aws-sdk-client-mock matchers (toHaveReceivedCommand…) once for every unit test.
import 'aws-sdk-client-mock-vitest/extend';

/** Unit tests never reach AWS: every client is mocked, but modules still validate their environment. */
Object.assign(process.env, {
  AWS_REGION: 'ap-northeast-1',
  AWS_ACCESS_KEY_ID: 'unit',
  AWS_SECRET_ACCESS_KEY: 'unit',
  TABLE_NAME: 'unit-table',
  EVENT_BUS_NAME: 'unit-bus',
  SES_CONFIGURATION_SET: 'unit-config-set',
  PUBLIC_BASE_URL: 'https://api.example.co.jp',
  SIGNING_SECRET: 'unit-signing-secret-that-is-long-enough-0123456789',
  OPS_TOKEN: 'unit-ops-token-0123456789',
  LOG_LEVEL: 'silent',
});
