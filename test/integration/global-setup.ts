import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, startLocalSes } from '#local/engines';
import { freePort } from '../support/ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    sesEndpoint: string;
  }
}

/**
 * One DynamoDB Local (in memory) and one local SES for the whole integration run; each test file gets its
 * own table (see setup-file.ts) and its own recipient addresses, so files never see each other's data.
 */
export default async function setup(project: TestProject) {
  const [dynamo, ses] = await Promise.all([
    freePort().then((port) => startDynamoDbLocal(port)),
    freePort().then((port) => startLocalSes(port)),
  ]);
  project.provide('dynamodbEndpoint', dynamo.endpoint);
  project.provide('sesEndpoint', ses.endpoint);
  return async () => {
    await Promise.all([dynamo.stop(), ses.stop()]);
  };
}
