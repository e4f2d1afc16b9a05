import { Duration, Fn, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestCookieBehavior,
  OriginRequestHeaderBehavior,
  OriginRequestPolicy,
  OriginRequestQueryStringBehavior,
  PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { Settings } from '#config/settings';

/** CloudFront-scoped WAF web ACLs exist only in us-east-1, whatever region the API runs in. */
export const EDGE_REGION = 'us-east-1';

type RouteName = keyof Settings['app']['edge']['rateLimits'];

/** The public routes WAF counts per client IP: path match on the URI path (the query string excluded). */
export const RATE_LIMITED_ROUTES: Readonly<
  Record<RouteName, { path: string; match: 'STARTS_WITH' | 'EXACTLY' }>
> = {
  forms: { path: '/v1/forms/', match: 'STARTS_WITH' },
  track: { path: '/v1/track', match: 'EXACTLY' },
  confirm: { path: '/v1/confirm', match: 'EXACTLY' },
  unsubscribe: { path: '/v1/unsubscribe', match: 'EXACTLY' },
};

const RATE_LIMITED_BODY = 'rate-limited';

/**
 * The web ACL, alone in its own small stack in us-east-1 (`leadloop-<stage>-edge`): one rate-based rule per
 * public route, counting requests per client IP over `edge.windowSeconds`; over the limit, that IP gets a
 * 429 JSON answer on that route until its rate falls. CloudFront sees the viewer's own address, so the
 * count is per real client (API Gateway's throttles are per route, for everyone together).
 */
export class EdgeWafStack extends Stack {
  readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: StackProps & { settings: Settings }) {
    super(scope, id, props);
    const { edge, stage } = props.settings.app;
    const rules: CfnWebACL.RuleProperty[] = (Object.keys(RATE_LIMITED_ROUTES) as RouteName[]).map(
      (name, i) => ({
        name: `rate-per-ip-${name}`,
        priority: i,
        action: {
          block: { customResponse: { responseCode: 429, customResponseBodyKey: RATE_LIMITED_BODY } },
        },
        statement: {
          rateBasedStatement: {
            limit: edge.rateLimits[name],
            evaluationWindowSec: edge.windowSeconds,
            aggregateKeyType: 'IP',
            scopeDownStatement: {
              byteMatchStatement: {
                fieldToMatch: { uriPath: {} },
                positionalConstraint: RATE_LIMITED_ROUTES[name].match,
                searchString: RATE_LIMITED_ROUTES[name].path,
                textTransformations: [{ priority: 0, type: 'NONE' }],
              },
            },
          },
        },
        visibilityConfig: {
          cloudWatchMetricsEnabled: true,
          metricName: `leadloop-${stage}-rate-${name}`,
          sampledRequestsEnabled: true,
        },
      }),
    );
    const acl = new CfnWebACL(this, 'WebAcl', {
      name: `leadloop-${stage}-edge`,
      description: 'Per-client-IP rate limits on the public lead routes',
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      customResponseBodies: {
        [RATE_LIMITED_BODY]: {
          contentType: 'APPLICATION_JSON',
          content:
            '{"error":{"code":"rate_limited","message":"Too many requests from this address; try again later"}}',
        },
      },
      rules,
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        metricName: `leadloop-${stage}-edge`,
        sampledRequestsEnabled: true,
      },
    });
    this.webAclArn = acl.attrArn;
  }
}

/**
 * The CloudFront distribution in front of the HTTP API (in the main stack; CloudFront is global), with the
 * us-east-1 web ACL. Nothing is cached; the viewer's address reaches the functions as the
 * `cloudfront-viewer-address` header. Ops routes (IAM, SigV4 signed for the API's own host) keep using the
 * API URL directly.
 */
export class EdgeDistribution extends Construct {
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: { api: HttpApi; webAclArn: string }) {
    super(scope, id);
    const stack = Stack.of(this);
    const originRequestPolicy = new OriginRequestPolicy(this, 'ForwardViewer', {
      comment: 'Everything the functions read, never Host (API Gateway routes on its own host name)',
      headerBehavior: OriginRequestHeaderBehavior.allowList(
        'accept',
        'accept-language',
        'content-type',
        'origin',
        'referer',
        'user-agent',
        'cloudfront-viewer-address',
      ),
      queryStringBehavior: OriginRequestQueryStringBehavior.all(),
      cookieBehavior: OriginRequestCookieBehavior.all(),
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `${stack.stackName}: public lead routes behind WAF rate limits`,
      defaultBehavior: {
        origin: new HttpOrigin(
          Fn.select(2, Fn.split('/', props.api.apiEndpoint)), // https://<id>.execute-api.<region>.amazonaws.com
          { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY, readTimeout: Duration.seconds(30) },
        ),
        allowedMethods: AllowedMethods.ALLOW_ALL,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy,
      },
      webAclId: props.webAclArn,
      httpVersion: HttpVersion.HTTP2_AND_3,
      // Includes Japan and the rest of Asia, where the demo's audience is.
      priceClass: PriceClass.PRICE_CLASS_200,
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-CFR1',
        reason: 'Leads may come from any country; abuse is limited per client IP by the web ACL instead.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR3',
        reason:
          'Nothing is cached or served by CloudFront itself; every request reaches the API, whose access log records it (and WAF samples what it blocks).',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate allows no minimum TLS setting; attach your own domain and certificate to raise it to TLSv1.2_2021.',
      },
    );
  }
}
