import { resolve } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionSpec, TABLE_ACTIONS, type TableAccess } from '#infra/catalog';
import { keys } from '#store/keys';
import { buildApp } from '../../infra/app.ts';
import { testApp } from '../support/cdk-app.ts';

const ROOT = resolve(import.meta.dirname, '../..');
type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };

let template: Template;
let stackResources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;

beforeAll(() => {
  const app = testApp();
  template = Template.fromStack(buildApp(app).stack);
  stackResources = template.toJSON().Resources;
});

const pascal = (name: string): string => name.replace(/(^|[-_])(\w)/g, (_, __, c: string) => c.toUpperCase());

/** Every statement of every policy attached to the function's role (inline policies and the default one). */
const statementsOf = (
  spec: FunctionSpec,
  effect: 'Allow' | 'Deny' = 'Allow',
): { action: string; resource: string; condition?: unknown }[] => {
  const fnId = Object.keys(stackResources).find(
    (id) =>
      id.startsWith(`Stateless${pascal(spec.name)}Function`) &&
      stackResources[id]?.Type === 'AWS::Lambda::Function',
  );
  const role = stackResources[fnId ?? '']?.Properties?.Role as { 'Fn::GetAtt': [string, string] } | undefined;
  if (!role) throw new Error(`no function ${spec.name} in the template`);
  const roleRef = role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleRef }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
    .filter((s) => s.Effect === effect)
    .flatMap((s) =>
      [s.Action]
        .flat()
        .flatMap((action) =>
          [s.Resource].flat().map((r) => ({ action, resource: JSON.stringify(r), condition: s.Condition })),
        ),
    );
};

const actionsOf = (spec: FunctionSpec, prefix: string): string[] =>
  [...new Set(statementsOf(spec).map((s) => s.action))].filter((a) => a.startsWith(prefix)).sort();

const STREAM_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
];

describe('least privilege: each function gets what its catalog entry declares, nothing more', () => {
  it.each(FUNCTIONS.map((f) => [f.name, f] as const))(
    'given %s, when synthesized, then its policy equals its declaration',
    (_, spec) => {
      const stream = spec.triggers.some((t) => t.kind === 'outbox-stream');
      // DynamoDB: exactly the table level's actions (plus the stream's for the outbox mapping).
      expect(actionsOf(spec, 'dynamodb:')).toEqual(
        [...TABLE_ACTIONS[spec.grants.table], ...(stream ? STREAM_ACTIONS : [])].sort(),
      );
      expect(actionsOf(spec, 'events:')).toEqual(spec.grants.putEvents ? ['events:PutEvents'] : []);
      expect(actionsOf(spec, 'ses:SendEmail')).toEqual(spec.grants.sendEmail ? ['ses:SendEmail'] : []);
      // The signing key is an item of the table: its users need readWrite (the first creates it); every
      // other function with table access is denied its partition.
      if (spec.grants.signingSecret) expect(spec.grants.table).toBe('readWrite');
      const denied = statementsOf(spec, 'Deny');
      if (spec.grants.signingSecret || spec.grants.table === 'none') expect(denied).toEqual([]);
      else {
        expect(denied.map((d) => d.action).sort()).toEqual([...TABLE_ACTIONS[spec.grants.table]].sort());
        for (const d of denied)
          expect(d.condition).toEqual({
            'ForAnyValue:StringEquals': { 'dynamodb:LeadingKeys': [keys.signingKey().pk] },
          });
      }
      // Nothing but these services (no Secrets Manager, no KMS), and no admin-batch actions for anyone.
      for (const { action } of statementsOf(spec)) {
        expect(action).toMatch(/^(dynamodb|events|ses|xray|sqs):/);
        expect(['dynamodb:Scan', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteTable']).not.toContain(action);
      }
      // SQS only for an on-failure destination: the outbox mapping's, or an asynchronous run's (a scheduled
      // or rule-invoked function's failed run goes to the stack's DLQ).
      const asynchronous = spec.triggers.some((t) => t.kind === 'schedule' || t.kind === 'rule');
      expect(actionsOf(spec, 'sqs:').length > 0).toBe(stream || asynchronous);
      if (asynchronous) expect(actionsOf(spec, 'sqs:')).toContain('sqs:SendMessage');
    },
  );

  it('given the health function, when synthesized, then it may only read one item of the table (deep check)', () => {
    const health = FUNCTIONS.find((f) => f.name === 'health');
    if (!health) throw new Error('no health function');
    const data = statementsOf(health).filter((s) => !s.action.startsWith('xray:'));
    expect(data).toEqual([
      { action: 'dynamodb:GetItem', resource: '{"Fn::GetAtt":["StatefulTable67B3C231","Arn"]}' },
    ]);
  });
});

/**
 * The declaration checked against the code: each handler is bundled (tree-shaken, as esbuild bundles it
 * for Lambda) and the SDK commands it can still reach decide what it needs.
 */
describe('least privilege: the declarations match what each handler really calls', () => {
  const COMMAND_ACTIONS: Record<string, string[]> = {
    GetCommand: ['dynamodb:GetItem'],
    BatchGetCommand: ['dynamodb:BatchGetItem'],
    QueryCommand: ['dynamodb:Query'],
    PutCommand: ['dynamodb:PutItem'],
    UpdateCommand: ['dynamodb:UpdateItem'],
    DeleteCommand: ['dynamodb:DeleteItem'],
    TransactWriteCommand: [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ],
    ScanCommand: ['dynamodb:Scan'],
    BatchWriteCommand: ['dynamodb:BatchWriteItem'],
    DescribeTableCommand: ['dynamodb:DescribeTable'],
  };
  const LEVELS: TableAccess[] = ['none', 'probe', 'read', 'readWrite'];

  it.each(FUNCTIONS.map((f) => [f.name, f] as const))(
    'given the %s handler, when bundled, then its grants are the least that cover its calls',
    async (_, spec) => {
      const result = await build({
        entryPoints: [resolve(ROOT, spec.entry)],
        absWorkingDir: ROOT,
        bundle: true,
        write: false,
        platform: 'node',
        format: 'esm',
        packages: 'external',
        logLevel: 'silent',
      });
      const code = result.outputFiles[0]?.text ?? '';
      // esbuild renames a second import of the same name (`TransactWriteCommand2`): count those too.
      const uses = (command: string) => new RegExp(`new ${command}\\d*\\(`).test(code);
      const needed = Object.entries(COMMAND_ACTIONS).flatMap(([command, actions]) =>
        uses(command) ? actions : [],
      );
      const minimal = LEVELS.find((level) => needed.every((a) => TABLE_ACTIONS[level].includes(a)));
      expect(spec.grants.table).toBe(minimal);
      expect(spec.grants.putEvents === true).toBe(uses('PutEventsCommand'));
      expect(spec.grants.sendEmail === true).toBe(uses('SendEmailCommand'));
      // Only the signing-key loader (`#adapters/secrets`) carries this message.
      expect(spec.grants.signingSecret === true).toBe(
        code.includes('the signing secret is missing or too short'),
      );
    },
  );
});
