import { resolve } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Settings } from '#config/settings';
import {
  aliasArgs,
  BUNDLE_BANNER,
  BUNDLE_MAIN_FIELDS,
  BUNDLE_TARGET,
  settingsDefine,
  stagedOpenApiDocument,
  stagedSettingsDocuments,
} from './bundling.ts';
import type { FunctionSpec } from './catalog.ts';

const ROOT = resolve(import.meta.dirname, '..');

export interface LeadFunctionProps {
  spec: FunctionSpec;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  /** The settings validated at synth: built into the bundle (infra/bundling.ts), never parsed at cold start. */
  settings: Settings;
}

/**
 * The one place Lambda defaults are set: ARM64, the current Node LTS runtime, ESM, minified with source
 * maps, the AWS SDK bundled (pinned with the code instead of whatever the runtime ships: the nodejs24.x
 * runtime carries an SDK v3 of its own choosing and updates it without notice, and the capacity
 * middleware, retry and marshalling behaviour the tests pin would then differ in AWS), a log group with
 * retention, JSON logs, X-Ray tracing and the Powertools settings. The esbuild options themselves are in
 * infra/bundling.ts (shared with bench/coldstart.ts), including the validated settings built in.
 */
export class LeadFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: LeadFunctionProps) {
    super(scope, id);
    const { spec } = props;
    const logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${Stack.of(this).stackName}-${spec.name}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.fn = new NodejsFunction(this, 'Function', {
      functionName: `${Stack.of(this).stackName}-${spec.name}`,
      description: spec.description,
      entry: resolve(ROOT, spec.entry),
      handler: 'handler',
      projectRoot: ROOT,
      depsLockFilePath: resolve(ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      reservedConcurrentExecutions: spec.maxConcurrency,
      tracing: spec.tracing === 'passThrough' ? Tracing.PASS_THROUGH : Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        // Powertools (shared/adapters/logger.ts, metrics.ts, tracer.ts): one service name per function, one
        // metrics namespace for the product. `tracing: ACTIVE` above records each invocation; the Tracer's SDK
        // subsegments only with `app.sdkTracing` (otherwise the bundle has no Tracer, see infra/bundling.ts).
        POWERTOOLS_SERVICE_NAME: spec.name,
        POWERTOOLS_METRICS_NAMESPACE: 'LeadLoop',
        POWERTOOLS_TRACE_ENABLED: String(props.settings.app.sdkTracing),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: BUNDLE_TARGET,
        minify: true,
        sourceMap: true,
        bundleAwsSDK: true,
        mainFields: BUNDLE_MAIN_FIELDS,
        tsconfig: resolve(ROOT, 'tsconfig.json'),
        banner: BUNDLE_BANNER,
        define: settingsDefine(props.settings),
        esbuildArgs: aliasArgs(props.settings),
        // Answers computed at synth, beside the bundle: the console's settings answers
        // (shared/http/settings-documents.ts) and the OpenAPI document (shared/http/openapi-document.ts).
        ...((spec.settingsDocuments || spec.openapiDocument) && {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_inputDir: string, outputDir: string) =>
              [
                ...(spec.settingsDocuments ? [stagedSettingsDocuments(props.settings)] : []),
                ...(spec.openapiDocument ? [stagedOpenApiDocument()] : []),
              ].map((dir) => `cp -R "${dir}" "${outputDir}/"`),
          },
        }),
      },
    });
  }
}
