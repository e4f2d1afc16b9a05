import { Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  CfnUserPoolRiskConfigurationAttachment,
  CfnUserPoolUser,
  CfnUserPoolUserToGroupAttachment,
  FeaturePlan,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  StandardThreatProtectionMode,
  type UserPool,
  type UserPoolClient,
  UserPool as UserPoolConstruct,
  UserPoolEmail,
  UserPoolResourceServer,
  VerificationEmailStyle,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { Settings } from '#config/settings';
import { RESOURCE_SERVER, ROLES, SCOPES, type Scope } from '#http/access';
import {
  INVITATION,
  INVITATION_FROM_NAME,
  invitationFromAddress,
  PASSWORD_POLICY,
  PASSWORD_RESET_MAIL,
  SESSION_HOURS,
} from '#http/sign-in';

const ROLE_DESCRIPTIONS = {
  admin: 'Everything, incl. personal-data export and erasure',
  marketing: 'Reports, imports, lead lists, settings',
  sales: 'Leads, activities, sales actions, own call list',
} as const;

/**
 * Who signs in: a Cognito user pool with the groups `admin`, `marketing`, `sales` (the `cognito:groups`
 * claim decides a person's role, see `shared/http/access.ts`), the console's app client (people, no secret)
 * and a client-credentials app client with the resource server's scopes (CRM, scripts, the CLI). Every
 * sales owner of `config/handoff.ts` gets a user in `sales`, named by their e-mail (the claim that links
 * a token to an owner), and each person of `config/app.ts` → `signIn.people` one in their role. The HTTP
 * API JWT authorizer accepts tokens of both clients.
 *
 * New users get the invitation of `shared/http/sign-in.ts` (Japanese, then English), a temporary password;
 * the console asks for a password of their own at the first sign-in. Cognito sends it through the stack's
 * verified SES identity (`config/app.ts` → `sender.sesIdentity`): Cognito's own mail cannot carry a custom
 * invitation, comes from `no-reply@verificationemail.com` and is capped at 50 mails a day. While the account's
 * SES is in the sandbox, `signIn.mailThroughSes: false` keeps Cognito's own (English) mail.
 */
export class Identity extends Construct {
  readonly userPool: UserPool;
  readonly consoleClient: UserPoolClient;
  readonly machineClient: UserPoolClient;
  readonly authorizer: HttpJwtAuthorizer;
  readonly tokenUrl: string;
  /** Two-step sign-in of the pool (`config/app.ts` → `signIn.mfa`), which the console shows. */
  readonly mfa: 'optional' | 'required';

  constructor(scope: Construct, id: string, props: { settings: Settings }) {
    super(scope, id);
    const stack = Stack.of(this);
    this.mfa = props.settings.app.signIn.mfa;
    this.userPool = new UserPoolConstruct(this, 'Users', {
      userPoolName: `${stack.stackName}-users`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: {
        email: { required: true, mutable: true },
        fullname: { required: false, mutable: true },
      },
      passwordPolicy: {
        minLength: PASSWORD_POLICY.minLength,
        requireLowercase: PASSWORD_POLICY.requireLowercase,
        requireUppercase: PASSWORD_POLICY.requireUppercase,
        requireDigits: PASSWORD_POLICY.requireDigits,
        requireSymbols: PASSWORD_POLICY.requireSymbols,
        tempPasswordValidity: Duration.days(PASSWORD_POLICY.tempPasswordValidityDays),
      },
      // Through SES: the invitation and the reset code's mail in Japanese (Cognito's own mail takes neither).
      ...(props.settings.app.signIn.mailThroughSes
        ? {
            userInvitation: { emailSubject: INVITATION.subject, emailBody: INVITATION.body },
            // The code mail of a forgotten password (Cognito's verification message; nobody signs up here).
            userVerification: {
              emailSubject: PASSWORD_RESET_MAIL.subject,
              emailBody: PASSWORD_RESET_MAIL.body,
              emailStyle: VerificationEmailStyle.CODE,
            },
            email: invitationSender(props.settings.app.sender.sesIdentity, stack.region),
          }
        : { email: UserPoolEmail.withCognito() }),
      mfa: this.mfa === 'required' ? Mfa.REQUIRED : Mfa.OPTIONAL,
      mfaSecondFactor: { sms: false, otp: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode:
        props.settings.app.signIn.threatProtection === 'enforce'
          ? StandardThreatProtectionMode.FULL_FUNCTION
          : StandardThreatProtectionMode.AUDIT_ONLY,
      // Who may sign in is data worth keeping when the stack goes.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });

    if (this.mfa !== 'required')
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions::AwsSolutions-COG2',
        reason:
          "Two-step sign-in (TOTP) is each person's choice in this configuration; config/app.ts signIn.mfa 'required' makes it everyone's.",
      });
    for (const role of ROLES) {
      new CfnUserPoolGroup(this, `Group${role}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        description: ROLE_DESCRIPTIONS[role],
      });
    }
    if (props.settings.app.signIn.threatProtection === 'enforce')
      // What full-function mode does, for every app client: a leaked password or a high-risk sign-in is
      // blocked; a medium-risk one asks for the authenticator code when the person has one.
      new CfnUserPoolRiskConfigurationAttachment(this, 'ThreatProtection', {
        userPoolId: this.userPool.userPoolId,
        clientId: 'ALL',
        compromisedCredentialsRiskConfiguration: { actions: { eventAction: 'BLOCK' } },
        accountTakeoverRiskConfiguration: {
          actions: {
            highAction: { eventAction: 'BLOCK', notify: false },
            mediumAction: { eventAction: 'MFA_IF_CONFIGURED', notify: false },
            lowAction: { eventAction: 'NO_ACTION', notify: false },
          },
        },
      });
    const groups = this.node.children.filter((c) => c instanceof CfnUserPoolGroup);
    const people = [
      ...props.settings.handoff.owners.map((o) => ({ email: o.email, name: o.name, role: 'sales' as const })),
      ...props.settings.app.signIn.people,
    ];
    for (const person of people) {
      // Named by the address, not the list position: reordering the config must not replace anyone's sign-in.
      const id = `User-${person.email.toLowerCase()}`;
      const user = new CfnUserPoolUser(this, id, {
        userPoolId: this.userPool.userPoolId,
        username: person.email,
        userAttributes: [
          { name: 'email', value: person.email },
          { name: 'email_verified', value: 'true' },
          { name: 'name', value: person.name },
        ],
        desiredDeliveryMediums: ['EMAIL'],
      });
      const link = new CfnUserPoolUserToGroupAttachment(this, `${id}-${person.role}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: person.role,
        username: person.email,
      });
      link.addResourceDependency(user);
      for (const group of groups) link.addResourceDependency(group as CfnUserPoolGroup);
    }

    const scopes = (Object.keys(SCOPES) as Scope[]).map(
      (name) => new ResourceServerScope({ scopeName: name, scopeDescription: SCOPES[name] }),
    );
    const server = new UserPoolResourceServer(this, 'Api', {
      userPool: this.userPool,
      identifier: RESOURCE_SERVER,
      userPoolResourceServerName: 'Lead loop ops API',
      scopes,
    });
    const domain = this.userPool.addDomain('Domain', {
      // Globally unique per region: the construct path's hash (the account is a token at synth time).
      cognitoDomain: {
        domainPrefix: `leadloop-${Names.uniqueResourceName(this, { maxLength: 40 }).toLowerCase()}`.replace(
          /[^a-z0-9-]/g,
          '',
        ),
      },
    });
    this.tokenUrl = `${domain.baseUrl()}/oauth2/token`;

    this.consoleClient = this.userPool.addClient('Console', {
      userPoolClientName: 'console',
      generateSecret: false,
      authFlows: { userPassword: true, userSrp: true },
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(SESSION_HOURS.idToken),
      accessTokenValidity: Duration.hours(SESSION_HOURS.idToken),
      refreshTokenValidity: Duration.hours(SESSION_HOURS.refreshToken),
      enableTokenRevocation: true,
      disableOAuth: true,
    });
    this.machineClient = this.userPool.addClient('Machine', {
      userPoolClientName: 'machine',
      generateSecret: true,
      authFlows: {},
      accessTokenValidity: Duration.hours(1),
      oAuth: {
        flows: { clientCredentials: true },
        scopes: scopes.map((s) => OAuthScope.resourceServer(server, s)),
      },
    });
    this.machineClient.node.addDependency(server);

    this.authorizer = new HttpJwtAuthorizer(
      'Cognito',
      `https://cognito-idp.${stack.region}.amazonaws.com/${this.userPool.userPoolId}`,
      {
        authorizerName: 'cognito',
        identitySource: ['$request.header.Authorization'],
        jwtAudience: [this.consoleClient.userPoolClientId, this.machineClient.userPoolClientId],
      },
    );
  }
}

/**
 * Cognito's mail through the stack's SES identity: a domain identity sends from `no-reply@<domain>`, an
 * address identity from itself. The service-linked role Cognito creates for this may send with any identity
 * of the account; no identity policy is needed.
 */
function invitationSender(sesIdentity: string, region: string): UserPoolEmail {
  return UserPoolEmail.withSES({
    fromEmail: invitationFromAddress(sesIdentity),
    fromName: INVITATION_FROM_NAME,
    sesRegion: region,
    ...(sesIdentity.includes('@') ? {} : { sesVerifiedDomain: sesIdentity }),
  });
}
