/**
 * Capture cost and speed: form posts through the real handler (HTTP → API Gateway event → handler →
 * DynamoDB Local + local SES) against a floor measured in the same run on the same engines: a raw
 * PutItem and a raw 4-item TransactWriteItems (what a new lead must write at the least: profile, state,
 * e-mail claim, timeline). Reports medians of several rounds as ratios; absolute numbers vary with the machine.
 *
 *   npx tsx bench/capture.ts [--rounds 5] [--posts 100]
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, startLocalSes } from '#local/engines';
import { startRuntime } from '#local/runtime';
import { freePort } from '../test/support/ports.ts';
import { benchFormBody, figure, median, numberArg, writeResult } from './support.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL = 'silent';
const rounds = numberArg('rounds', 5);
const posts = numberArg('posts', 100);

const dynamo = await startDynamoDbLocal(await freePort());
const ses = await startLocalSes(await freePort());
const runtime = await startRuntime({
  dynamodbEndpoint: dynamo.endpoint,
  sesEndpoint: ses.endpoint,
  port: 0,
  tableName: 'bench-capture',
  sweepEverySeconds: 0,
  pollStream: false,
  log: () => {},
});
const doc = DynamoDBDocumentClient.from(
  new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
);

const timed = async (n: number, op: (i: number) => Promise<unknown>) => {
  const start = performance.now();
  for (let i = 0; i < n; i++) await op(i);
  return n / ((performance.now() - start) / 1000);
};

const results = { putFloor: [] as number[], transactFloor: [] as number[], capture: [] as number[] };
for (let r = 0; r < rounds; r++) {
  results.putFloor.push(
    await timed(posts, (i) =>
      doc.send(
        new PutCommand({ TableName: 'bench-capture', Item: { pk: `FLOOR#${r}#${i}`, sk: 'X', v: i } }),
      ),
    ),
  );
  results.transactFloor.push(
    await timed(posts, (i) =>
      doc.send(
        new TransactWriteCommand({
          TransactItems: ['A', 'B', 'C', 'D'].map((sk) => ({
            Put: {
              TableName: 'bench-capture',
              Item: { pk: `TX#${r}#${i}`, sk, v: i },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          })),
        }),
      ),
    ),
  );
  results.capture.push(
    await timed(posts, (i) =>
      fetch(`${runtime.apiUrl}/v1/forms/contact`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: benchFormBody(`bench-${r}-${i}@example.co.jp`),
      }).then((res) => {
        if (res.status !== 201) throw new Error(`capture answered ${res.status}`);
      }),
    ),
  );
}

const summary = {
  rounds,
  postsPerRound: posts,
  medianOpsPerSecond: {
    rawPutItem: Math.round(median(results.putFloor)),
    raw4ItemTransaction: Math.round(median(results.transactFloor)),
    capture: Math.round(median(results.capture)),
  },
  ratios: {
    captureVsPutItem: +(median(results.capture) / median(results.putFloor)).toFixed(3),
    captureVs4ItemTransaction: +(median(results.capture) / median(results.transactFloor)).toFixed(3),
  },
  note: 'capture = HTTP + validation + new-lead transaction (profile, state, e-mail claim, timeline entry, one outbox item, decay timer, consent entry, report counters and facts) + auto-reply via local SES',
};
console.table(summary.medianOpsPerSecond);
console.table(summary.ratios);
writeResult(
  'capture',
  [
    figure(
      'form captures/s through the route',
      median(results.capture),
      'captures/s',
      median(results.transactFloor),
    ),
  ],
  summary,
);
await runtime.stop();
await Promise.all([dynamo.stop(), ses.stop()]);
