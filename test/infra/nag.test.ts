import { type App, Stack, Validations } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { testApp } from '../support/cdk-app.ts';

const fresh = () => buildApp(testApp());

/** The cdk-nag report of a synth: '' when it passes, else the validation error text. */
const synthReport = (app: App): string => {
  try {
    app.synth();
    return '';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
};

const acknowledgedOn = (construct: IConstruct): string[] =>
  construct.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.keys(m.data as object));

describe('cdk-nag acknowledgements are attached to the resources they concern', () => {
  it('given the stack, when built, then no acknowledgement sits on the app, the stack or a whole part', () => {
    const { app, stack } = fresh();
    for (const scope of [app, stack, stack.stateful, stack.stateless])
      expect(acknowledgedOn(scope)).toEqual([]);
    // And the stack as built passes.
    expect(synthReport(app)).toBe('');
  });

  it('given a new function with a "*" resource statement, when synthesized, then cdk-nag reports it', () => {
    // Arrange
    const { app, stack } = fresh();
    const extra = new LambdaFunction(stack, 'Intruder', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({})'),
    });
    extra.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Scan'], resources: ['*'] }));

    // Act
    const report = synthReport(app);

    // Assert
    expect(report).toMatch(/AwsSolutions-IAM5\[Resource::\*\]/);
    expect(report).toContain('Intruder');
  });

  it('given an existing function granted another action on "*", when synthesized, then cdk-nag reports it', () => {
    const { app, stack } = fresh();
    stack.stateless.functions
      .get('health')
      ?.fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    const report = synthReport(app);
    expect(report).toMatch(/AwsSolutions-IAM5\[Resource::\*\]/);
    expect(report).toContain('Health');
  });

  it('given a new public route nobody listed, when synthesized, then cdk-nag reports the missing authorization', () => {
    const { app, stack } = fresh();
    const health = stack.stateless.functions.get('health')?.fn;
    if (!health) throw new Error('no health function');
    stack.stateless.api.addRoutes({
      path: '/v1/debug',
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration('DebugIntegration', health),
    });
    const report = synthReport(app);
    expect(report).toMatch(/AwsSolutions-APIG4/);
    expect(report).toContain('debug');
  });

  it('given a second stack without acknowledgements, when synthesized, then its findings are not hidden by ours', () => {
    const { app } = fresh();
    const other = new Stack(app, 'other');
    const fn = new LambdaFunction(other, 'Plain', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({})'),
    });
    expect(fn).toBeDefined();
    expect(synthReport(app)).toMatch(/AwsSolutions-IAM4/);
  });
});
