import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { appConfigSchema } from '#config/app';
import { type Settings, settings } from '#config/settings';
import { buildApp } from '../../infra/app.ts';
import { RATE_LIMITED_ROUTES } from '../../infra/edge.ts';
import { testApp } from '../support/cdk-app.ts';

const ENV = { account: '123456789012', region: 'ap-northeast-1' };
const withEdge = (edge: Partial<Settings['app']['edge']>): Settings => ({
  ...settings,
  app: { ...settings.app, edge: { ...settings.app.edge, enabled: true, ...edge } },
});
const noBundling = () => testApp();

describe('edge rate limits: configuration', () => {
  it('given no edge section, when parsed, then it is off with the documented per-IP limits', () => {
    const parsed = appConfigSchema.parse({
      sender: {
        fromAddress: 'a@example.co.jp',
        fromName: 'A',
        companyName: 'A',
        postalAddress: 'Tokyo',
        sesIdentity: 'example.co.jp',
      },
    });
    expect(parsed.edge).toEqual({
      enabled: false,
      windowSeconds: 300,
      rateLimits: { forms: 100, track: 2000, confirm: 100, unsubscribe: 100 },
    });
  });

  it('given a limit below WAF’s minimum or an unsupported window, when parsed, then the field is named', () => {
    const result = appConfigSchema.safeParse({
      sender: settings.app.sender,
      edge: { enabled: true, windowSeconds: 30, rateLimits: { forms: 5 } },
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['edge.windowSeconds', 'edge.rateLimits.forms']));
  });

  it('given the demo configuration, when built, then no edge distribution and no web ACL (only the console is served by CloudFront)', () => {
    const built = buildApp(noBundling());
    expect(settings.app.edge.enabled).toBe(false);
    expect(built.edge).toBeUndefined();
    const template = Template.fromStack(built.stack);
    template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ WebACLId: Match.absent() }),
    });
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });

  it('given the edge on but no account and region, when built, then synth stops naming app.edge.enabled', () => {
    const previous = { ...process.env };
    delete process.env.CDK_DEFAULT_ACCOUNT;
    delete process.env.CDK_DEFAULT_REGION;
    try {
      expect(() => buildApp(noBundling(), { settings: withEdge({}) })).toThrow(/app\.edge\.enabled/);
    } finally {
      Object.assign(process.env, previous);
    }
  });
});

describe('edge rate limits: synthesized', () => {
  let app: App;
  let edge: Template;
  let main: Template;
  const limits = { forms: 60, track: 1500, confirm: 30, unsubscribe: 40 };

  beforeAll(() => {
    app = noBundling();
    const built = buildApp(app, { settings: withEdge({ rateLimits: limits, windowSeconds: 300 }), env: ENV });
    if (!built.edge) throw new Error('no edge stack');
    expect(built.edge.region).toBe('us-east-1');
    edge = Template.fromStack(built.edge);
    main = Template.fromStack(built.stack);
  });

  it('given the edge on, when synthesized, then a CLOUDFRONT web ACL in us-east-1 limits each public route per client IP', () => {
    const acl = Object.values(edge.findResources('AWS::WAFv2::WebACL'));
    expect(acl).toHaveLength(1);
    expect(acl[0]?.Properties).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
    for (const [name, route] of Object.entries(RATE_LIMITED_ROUTES)) {
      edge.hasResourceProperties('AWS::WAFv2::WebACL', {
        Rules: Match.arrayWith([
          Match.objectLike({
            Name: `rate-per-ip-${name}`,
            Action: { Block: { CustomResponse: Match.objectLike({ ResponseCode: 429 }) } },
            Statement: {
              RateBasedStatement: {
                Limit: limits[name as keyof typeof limits],
                AggregateKeyType: 'IP',
                EvaluationWindowSec: 300,
                ScopeDownStatement: {
                  ByteMatchStatement: Match.objectLike({
                    FieldToMatch: { UriPath: {} },
                    PositionalConstraint: route.match,
                    SearchString: route.path,
                  }),
                },
              },
            },
          }),
        ]),
      });
    }
    expect(Object.keys(RATE_LIMITED_ROUTES).sort()).toEqual(['confirm', 'forms', 'track', 'unsubscribe']);
  });

  it('given the edge on, when synthesized, then CloudFront fronts the API with that ACL, caching nothing and keeping the API host', () => {
    main.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        WebACLId: Match.anyValue(),
        DefaultCacheBehavior: Match.objectLike({
          CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
          ViewerProtocolPolicy: 'https-only',
          AllowedMethods: Match.arrayWith(['GET', 'OPTIONS', 'POST']),
        }),
        Origins: [
          Match.objectLike({
            DomainName: {
              'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [Match.anyValue(), 'ApiEndpoint'] }] }],
            },
          }),
        ],
      }),
    });
    main.hasResourceProperties('AWS::CloudFront::OriginRequestPolicy', {
      OriginRequestPolicyConfig: Match.objectLike({
        HeadersConfig: {
          HeaderBehavior: 'whitelist',
          Headers: Match.arrayWith(['content-type', 'origin', 'cloudfront-viewer-address']),
        },
      }),
    });
    const policy = JSON.stringify(main.findResources('AWS::CloudFront::OriginRequestPolicy'));
    expect(policy).not.toMatch(/"host"/i);
  });

  it('given the edge on, when synthesized, then mail links point at the distribution and cdk-nag passes', () => {
    // Ours: the catalog's functions (CDK's own cross-region reader has no environment).
    const functions = Object.values(main.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties.Environment?.Variables?.TABLE_NAME,
    );
    expect(functions.length).toBeGreaterThan(10);
    for (const fn of functions) {
      expect(JSON.stringify(fn.Properties.Environment.Variables.PUBLIC_BASE_URL)).toMatch(
        /https:\/\/.*StatelessEdgeDistribution\w*","DomainName/,
      );
    }
    expect(() => app.synth()).not.toThrow();
  });
});
