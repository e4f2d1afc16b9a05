import { type CfnElement, Duration, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { bundleConsoleSync } from '../console/build.ts';
import type { Identity } from './identity.ts';
import { stagingDir } from './staging.ts';

const ack = (construct: Construct, finding: string, reason: string) =>
  Validations.of(construct).acknowledge({ id: `AwsSolutions::AwsSolutions-${finding}`, reason });

/**
 * The web console in AWS: its bundle in a private S3 bucket (all public access blocked, TLS only, read by
 * CloudFront through origin access control), one CloudFront distribution with security headers, and the
 * API under the same host (`/v1/*` → the HTTP API, nothing cached) so the browser needs no CORS. People sign
 * in with Cognito (InitiateAuth with the console's app client) and call the API with their ID token.
 */
export class ConsoleSite extends Construct {
  readonly distribution: Distribution;
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: { api: HttpApi; identity: Identity }) {
    super(scope, id);
    const stack = Stack.of(this);
    const logs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    ack(
      logs,
      'S1',
      'This is the access-log bucket of the console bucket and distribution; logging it would recurse.',
    );
    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'bucket/',
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Console: CSP, HSTS, no framing, no sniffing',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          override: true,
          contentSecurityPolicy: `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' https://cognito-idp.${stack.region}.amazonaws.com; frame-ancestors 'none'; base-uri 'self'`,
        },
        strictTransportSecurity: {
          override: true,
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
        },
        frameOptions: { override: true, frameOption: HeadersFrameOption.DENY },
        contentTypeOptions: { override: true },
        referrerPolicy: {
          override: true,
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
        },
      },
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `${stack.stackName}: web console`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      },
      additionalBehaviors: {
        '/v1/*': {
          origin: new HttpOrigin(Fn.select(2, Fn.split('/', props.api.apiEndpoint)), {
            protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          }),
          allowedMethods: AllowedMethods.ALLOW_ALL,
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers,
        },
      },
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_200,
    });
    ack(
      this.distribution,
      'CFR1',
      'Sales and marketing staff sign in from anywhere; access is by Cognito sign-in.',
    );
    ack(
      this.distribution,
      'CFR2',
      'Static files and a signed-in API: the web ACL of the public routes (EdgeWafStack) is optional and region-bound; attach it here too when you run one.',
    );
    ack(
      this.distribution,
      'CFR4',
      'The default *.cloudfront.net certificate allows no minimum TLS setting; attach your own domain and certificate to raise it to TLSv1.2_2021.',
    );

    const outDir = bundleConsoleSync(stagingDir('leadloop-console-'));
    const deployment = new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [
        Source.asset(outDir),
        Source.jsonData('config.json', {
          apiUrl: '',
          cognitoEndpoint: `https://cognito-idp.${stack.region}.amazonaws.com/`,
          clientId: props.identity.consoleClient.userPoolClientId,
          mfa: props.identity.mfa,
        }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/config.json'],
      memoryLimit: 256,
    });
    // The copy function is a stack-level singleton of the CDK library: acknowledge on it, finding by finding.
    for (const child of stack.node.children) {
      if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
      const why = 'CDK BucketDeployment copy function (deploy-time only): ';
      ack(child, 'L1', `${why}the library picks its Lambda runtime.`);
      ack(
        child,
        'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        `${why}logs to CloudWatch with the basic execution role.`,
      );
      for (const finding of [
        'Resource::*',
        'Action::s3:GetObject*',
        'Action::s3:GetBucket*',
        'Action::s3:List*',
        'Action::s3:DeleteObject*',
        'Action::s3:Abort*',
        'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
        // A stack with an explicit account and region names the asset bucket literally.
        ...(Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)
          ? []
          : [`Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${stack.account}-${stack.region}/*`]),
        `Resource::<${stack.getLogicalId(this.bucket.node.defaultChild as CfnElement)}.Arn>/*`,
      ]) {
        ack(
          child,
          `IAM5[${finding}]`,
          `${why}reads the asset and syncs (puts and deletes) the console bucket's objects.`,
        );
      }
    }
    void deployment;
  }
}
