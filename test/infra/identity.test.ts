import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { settings } from '#config/settings';
import { fullScope, ROLES, SCOPES, type Scope } from '#http/access';
import { INVITATION, PASSWORD_POLICY, PASSWORD_RESET_MAIL, SESSION_HOURS } from '#http/sign-in';
import { FUNCTIONS } from '#infra/catalog';
import { buildApp } from '../../infra/app.ts';
import { testApp } from '../support/cdk-app.ts';

let template: Template;

beforeAll(() => {
  const app = testApp();
  template = Template.fromStack(buildApp(app).stack);
});

describe('sign-in (Cognito) and the JWT authorizer', () => {
  it('given the stack, when synthesized, then one user pool without self sign-up, with a strong password policy and retained', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true }) },
      UsernameAttributes: ['email'],
    });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
  });

  it("given new users, when synthesized, then their invitation is the Japanese and English one, sent through the stack's SES identity", () => {
    const [pool] = Object.values(template.findResources('AWS::Cognito::UserPool'));
    const invite = pool?.Properties.AdminCreateUserConfig.InviteMessageTemplate;
    expect(invite).toEqual({ EmailSubject: INVITATION.subject, EmailMessage: INVITATION.body });
    // Cognito refuses an invitation without both placeholders, and a custom one on its own mail.
    expect(invite.EmailMessage).toContain('{username}');
    expect(invite.EmailMessage).toContain('{####}');
    expect(invite.EmailMessage).toContain('仮パスワード');
    expect(invite.EmailSubject.length).toBeLessThanOrEqual(140);
    // A forgotten password's code comes in the same languages (Cognito's verification message).
    expect(pool?.Properties.VerificationMessageTemplate).toMatchObject({
      DefaultEmailOption: 'CONFIRM_WITH_CODE',
      EmailSubject: PASSWORD_RESET_MAIL.subject,
      EmailMessage: PASSWORD_RESET_MAIL.body,
    });
    expect(PASSWORD_RESET_MAIL.body).toContain('{####}');
    expect(pool?.Properties.EmailConfiguration).toMatchObject({
      EmailSendingAccount: 'DEVELOPER',
      From: `Lead loop <no-reply@${settings.app.sender.sesIdentity}>`,
    });
    expect(JSON.stringify(pool?.Properties.EmailConfiguration.SourceArn)).toContain(
      `:identity/${settings.app.sender.sesIdentity}`,
    );
    // While SES is in the sandbox: Cognito's own mail, and none of the custom messages it refuses with it.
    const sandboxed = buildApp(testApp(), {
      settings: {
        ...settings,
        app: { ...settings.app, signIn: { ...settings.app.signIn, mailThroughSes: false } },
      },
    });
    const [plain] = Object.values(
      Template.fromStack(sandboxed.stack).findResources('AWS::Cognito::UserPool'),
    );
    expect(plain?.Properties.EmailConfiguration).toMatchObject({ EmailSendingAccount: 'COGNITO_DEFAULT' });
    expect(plain?.Properties.AdminCreateUserConfig.InviteMessageTemplate).toBeUndefined();
    expect(JSON.stringify(plain?.Properties.VerificationMessageTemplate ?? {})).not.toContain('Lead loop');
    expect(pool?.Properties.Policies.PasswordPolicy).toMatchObject({
      MinimumLength: PASSWORD_POLICY.minLength,
      TemporaryPasswordValidityDays: PASSWORD_POLICY.tempPasswordValidityDays,
    });
  });

  it("given signIn.mfa, when synthesized, then the pool's MFA follows it: TOTP only, optional in the demo (cdk-nag's COG2 acknowledged on the pool with why), required passing cdk-nag with no acknowledgement", () => {
    const acknowledged = (scope: IConstruct) =>
      scope.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.keys(m.data as object));
    const [pool] = Object.values(template.findResources('AWS::Cognito::UserPool'));
    expect(settings.app.signIn.mfa).toBe('optional');
    expect(pool?.Properties).toMatchObject({
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
    });
    const demo = buildApp(testApp());
    expect(acknowledged(demo.stack.identity.userPool)).toContain('AwsSolutions::AwsSolutions-COG2');

    const required = buildApp(testApp(), {
      settings: {
        ...settings,
        app: { ...settings.app, signIn: { ...settings.app.signIn, mfa: 'required' } },
      },
    });
    const [strict] = Object.values(
      Template.fromStack(required.stack).findResources('AWS::Cognito::UserPool'),
    );
    expect(strict?.Properties).toMatchObject({ MfaConfiguration: 'ON', EnabledMfas: ['SOFTWARE_TOKEN_MFA'] });
    expect(acknowledged(required.stack.identity.userPool)).toEqual([]);
    // cdk-nag runs at synth and throws on a finding nobody acknowledged.
    expect(() => required.app.synth()).not.toThrow();
  });

  it('given the roles, when synthesized, then each is a group and every sales owner is a user in sales', () => {
    for (const role of ROLES)
      template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: role });
    for (const owner of settings.handoff.owners) {
      template.hasResourceProperties('AWS::Cognito::UserPoolUser', { Username: owner.email });
      template.hasResourceProperties('AWS::Cognito::UserPoolUserToGroupAttachment', {
        Username: owner.email,
        GroupName: 'sales',
      });
    }
  });

  it("given signIn.threatProtection, when synthesized, then the Plus plan's threat protection audits in the demo, and enforced it blocks leaked passwords and high-risk sign-ins for every client", () => {
    const [pool] = Object.values(template.findResources('AWS::Cognito::UserPool'));
    expect(pool?.Properties).toMatchObject({
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'AUDIT' },
    });
    template.resourceCountIs('AWS::Cognito::UserPoolRiskConfigurationAttachment', 0);
    const enforced = buildApp(testApp(), {
      settings: {
        ...settings,
        app: { ...settings.app, signIn: { ...settings.app.signIn, threatProtection: 'enforce' } },
      },
    });
    const strict = Template.fromStack(enforced.stack);
    strict.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
    strict.hasResourceProperties('AWS::Cognito::UserPoolRiskConfigurationAttachment', {
      ClientId: 'ALL',
      CompromisedCredentialsRiskConfiguration: { Actions: { EventAction: 'BLOCK' } },
      AccountTakeoverRiskConfiguration: {
        Actions: {
          HighAction: { EventAction: 'BLOCK', Notify: false },
          MediumAction: { EventAction: 'MFA_IF_CONFIGURED', Notify: false },
          LowAction: { EventAction: 'NO_ACTION', Notify: false },
        },
      },
    });
    expect(() => enforced.app.synth()).not.toThrow();
  });

  it('given signIn.people, when synthesized, then each is a user in their role, and a user keeps its resource whatever the order of the config', () => {
    for (const person of settings.app.signIn.people) {
      template.hasResourceProperties('AWS::Cognito::UserPoolUser', { Username: person.email });
      template.hasResourceProperties('AWS::Cognito::UserPoolUserToGroupAttachment', {
        Username: person.email,
        GroupName: person.role,
      });
    }
    template.resourceCountIs(
      'AWS::Cognito::UserPoolUser',
      settings.handoff.owners.length + settings.app.signIn.people.length,
    );
    // Logical ids follow the address: the owners reversed (or one added in the middle) replace no user.
    const usersOf = (t: Template) =>
      Object.fromEntries(
        Object.entries(t.findResources('AWS::Cognito::UserPoolUser')).map(([id, r]) => [
          id,
          r.Properties.Username,
        ]),
      );
    const reordered = buildApp(testApp(), {
      settings: {
        ...settings,
        handoff: { ...settings.handoff, owners: [...settings.handoff.owners].reverse() },
      },
    });
    expect(usersOf(Template.fromStack(reordered.stack))).toEqual(usersOf(template));
  });

  it('given machine clients, when synthesized, then a client-credentials client holds every resource-server scope', () => {
    const scopes = (Object.keys(SCOPES) as Scope[]).map(fullScope);
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'leadloop',
      Scopes: Match.arrayWith(scopes.map((s) => Match.objectLike({ ScopeName: s.split('/')[1] }))),
    });
    const machine = Object.values(
      template.findResources('AWS::Cognito::UserPoolClient', {
        Properties: { GenerateSecret: true, AllowedOAuthFlows: ['client_credentials'] },
      }),
    );
    expect(machine).toHaveLength(1);
    // Each scope is `<resource server>/<name>` (the server's identifier is a reference in the template).
    const granted = JSON.stringify(machine[0]?.Properties.AllowedOAuthScopes);
    expect(machine[0]?.Properties.AllowedOAuthScopes).toHaveLength(scopes.length);
    for (const scope of Object.keys(SCOPES)) expect(granted).toContain(`/${scope}`);
    // The console's client is public (no secret) and has no OAuth flows; a sign-in lasts a working day (the
    // refresh token renews the hour-long ID token) and signing out revokes the refresh token.
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayWith([
        'ALLOW_USER_PASSWORD_AUTH',
        'ALLOW_USER_SRP_AUTH',
        'ALLOW_REFRESH_TOKEN_AUTH',
      ]),
      IdTokenValidity: SESSION_HOURS.idToken * 60,
      RefreshTokenValidity: SESSION_HOURS.refreshToken * 60,
      EnableTokenRevocation: true,
    });
  });

  it('given the ops routes, when synthesized, then each one uses the Cognito JWT authorizer and no public route does', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: Match.anyValue(),
        Issuer: Match.anyValue(),
      },
    });
    const [authorizer] = Object.values(template.findResources('AWS::ApiGatewayV2::Authorizer'));
    // Both app clients: people (console) and machines (client credentials).
    expect(authorizer?.Properties.JwtConfiguration.Audience).toHaveLength(2);
    const routes = FUNCTIONS.flatMap((f) => f.routes);
    const ops = routes.filter((r) => r.path.startsWith('/v1/ops/'));
    expect(ops.length).toBeGreaterThan(5);
    for (const route of ops) {
      expect(route.auth).toBe('jwt');
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
        AuthorizationType: 'JWT',
        AuthorizerId: Match.anyValue(),
      });
    }
    for (const route of routes.filter((r) => !r.path.startsWith('/v1/ops/'))) expect(route.auth).toBe('none');
  });
});

describe('the web console in AWS (S3 + CloudFront)', () => {
  it('given the console bucket, when synthesized, then it blocks all public access, enforces TLS and is read only through OAC', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'bucket/' }),
    });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
      }),
    });
    const policies = JSON.stringify(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toContain('cloudfront.amazonaws.com');
    expect(policies).toContain('aws:SecureTransport');
  });

  it('given the distribution, when synthesized, then the console is served with security headers and /v1/* goes to the API uncached', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: Match.objectLike({ Override: true }),
          StrictTransportSecurity: Match.objectLike({ Override: true }),
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
        }),
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          ResponseHeadersPolicyId: Match.anyValue(),
        }),
        CacheBehaviors: [Match.objectLike({ PathPattern: '/v1/*', ViewerProtocolPolicy: 'https-only' })],
      }),
    });
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DistributionPaths: ['/index.html', '/config.json'],
    });
  });
});
