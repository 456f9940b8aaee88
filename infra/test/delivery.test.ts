import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { addDelivery } from '../lib/delivery';
import { DEPLOY_WORKFLOW, githubSubject } from '../lib/delivery-stack';
import { SMOKE_USER_ID } from '../lib/naming';

const REPO = 'example-org/daily-notifications';
const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'dn-delivery-')) });
const stacks = addDelivery(app, { repository: REPO, createOidcProvider: true });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const assembly = app.synth();

type Doc = {
  Statement: {
    Action: string | string[];
    Effect?: string;
    Resource?: unknown;
    Condition?: unknown;
    Principal?: unknown;
  }[];
};

it('trusts the repository it is given (bin/delivery.ts: -c githubRepo) and can reuse a provider', () => {
  const other = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'dn-delivery-')) });
  const s = addDelivery(other, {
    repository: 'acme/fork',
    createOidcProvider: false,
    workflowRef: 'refs/heads/release',
  });
  const t = Template.fromStack(s.qa);
  t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
  const subjects = Object.values(t.findResources('AWS::IAM::Role')).map(
    (r) =>
      (
        r.Properties.AssumeRolePolicyDocument as {
          Statement: { Condition: Record<string, Record<string, string>> }[];
        }
      ).Statement[0].Condition.StringEquals['token.actions.githubusercontent.com:sub'],
  );
  const subject =
    'repo:acme/fork:environment:qa:job_workflow_ref:acme/fork/.github/workflows/deploy-env.yml@refs/heads/release';
  expect(subjects).toEqual([subject, subject]);
});

it('covers exactly the AWS environments', () => {
  expect(Object.keys(stacks).sort()).toEqual(['dev', 'prod', 'qa']);
});

describe.each(['dev', 'qa', 'prod'] as const)('delivery stack (%s)', (env) => {
  const cfg = loadConfig(env);
  const t = Template.fromStack(stacks[env]);
  const roles = t.findResources('AWS::IAM::Role');
  const byName = (suffix: string) =>
    Object.values(roles).find((r) => String(r.Properties.RoleName).endsWith(suffix))!.Properties;

  it("creates GitHub's OIDC provider for sts.amazonaws.com, before the roles that trust it", () => {
    t.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    t.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
    const [providerId] = Object.keys(t.findResources('AWS::IAM::OIDCProvider'));
    for (const role of Object.values(roles)) {
      expect(([] as string[]).concat(role.DependsOn ?? [])).toContain(providerId);
    }
  });

  it("trusts only this repository's deploy workflow on main, in the GitHub environment of the same name", () => {
    for (const suffix of ['-github-deploy', '-github-deployment-tests']) {
      const trust = byName(suffix).AssumeRolePolicyDocument as Doc;
      expect(trust.Statement).toHaveLength(1);
      expect(trust.Statement[0]).toMatchObject({ Action: 'sts:AssumeRoleWithWebIdentity', Effect: 'Allow' });
      // Exactly this condition: no wildcard subject, no other branch, environment, or repository.
      expect(trust.Statement[0].Condition).toEqual({
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': `repo:${REPO}:environment:${env}:job_workflow_ref:${REPO}/.github/workflows/deploy-env.yml@refs/heads/main`,
        },
      });
      expect(JSON.stringify(trust.Statement[0].Principal)).toContain(
        'oidc-provider/token.actions.githubusercontent.com',
      );
    }
  });

  it('lets the deploy role do nothing but assume the CDK bootstrap roles of its account and region', () => {
    const role = byName('-github-deploy');
    expect(role.ManagedPolicyArns).toBeUndefined();
    const statements = (role.Policies as { PolicyDocument: Doc }[]).flatMap(
      (p) => p.PolicyDocument.Statement,
    );
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('sts:AssumeRole');
    expect(JSON.stringify(statements[0].Resource)).toContain(
      `:role/cdk-hnb659fds-*-${cfg.account}-${cfg.region}`,
    );
    expect(t.findResources('AWS::IAM::Policy')).toEqual({});
  });

  it("scopes every test grant to this environment's resources", () => {
    const statements = (byName('-github-deployment-tests').Policies as { PolicyDocument: Doc }[]).flatMap(
      (p) => p.PolicyDocument.Statement,
    );
    for (const s of statements) {
      const resource = JSON.stringify(s.Resource);
      const actions = ([] as string[]).concat(s.Action);
      if (resource === '"*"') {
        // Only calls AWS authorizes on no resource type, and (full suite, composite alarms on)
        // DescribeAlarms, which returns composite alarms only to a grant on "*".
        const composites = cfg.deploymentTests.suite === 'full' && cfg.alarms.compositeAlarms.enabled;
        expect(
          actions.every(
            (a) => NO_RESOURCE_TYPE.includes(a) || (composites && a === 'cloudwatch:DescribeAlarms'),
          ),
          actions.join(','),
        ).toBe(true);
        continue;
      }
      expect(resource, actions.join(',')).toMatch(
        // The API id is not known to this stack: any API of the account, only its routes.
        new RegExp(
          `daily-notifications-${env}|DailyNotifications-${env}-|dn-e2e-alerts-|kms:.*key/\\*|execute-api:.*/GET/users/(\\*|${SMOKE_USER_ID})/notifications|execute-api:.*/(PUT|GET|DELETE)/admin/notifications`,
        ),
      );
    }
  });
});

const NO_RESOURCE_TYPE = ['cloudwatch:GetMetricStatistics', 'cloudwatch:PutMetricData', 'sns:Unsubscribe'];

function testsStatements(env: 'dev' | 'qa' | 'prod'): Doc['Statement'] {
  const roles = Template.fromStack(stacks[env]).findResources('AWS::IAM::Role');
  const role = Object.values(roles).find((r) =>
    String(r.Properties.RoleName).endsWith('-github-deployment-tests'),
  )!;
  return (role.Properties.Policies as { PolicyDocument: Doc }[]).flatMap((p) => p.PolicyDocument.Statement);
}

describe('the prod tests role (smoke suite) is read-only', () => {
  const statements = testsStatements('prod');
  const actions = statements.flatMap((s) => ([] as string[]).concat(s.Action));

  it('has no scan, write, queue management, alarm-state change or invoke', () => {
    expect(loadConfig('prod').deploymentTests.suite).toBe('smoke');
    for (const forbidden of [
      'dynamodb:Scan',
      'dynamodb:BatchWriteItem',
      'cloudwatch:SetAlarmState',
      'sqs:CreateQueue',
      'sqs:DeleteQueue',
      'sqs:SetQueueAttributes',
      'lambda:InvokeFunction',
    ]) {
      expect(actions, forbidden).not.toContain(forbidden);
    }
    expect(actions.sort()).toEqual([
      'cloudformation:DescribeStacks',
      'cloudwatch:DescribeAlarms',
      'execute-api:Invoke',
    ]);
  });

  it("reads only the smoke user's inbox through the API, and only this environment's alarms and stacks", () => {
    const resource = (action: string) =>
      JSON.stringify(statements.find((s) => s.Action === action)!.Resource);
    expect(resource('execute-api:Invoke')).toMatch(
      new RegExp(`:execute-api:eu-west-2:333333333333:\\*/v1/GET/users/${SMOKE_USER_ID}/notifications"`),
    );
    expect(resource('cloudwatch:DescribeAlarms')).toMatch(/:alarm:daily-notifications-prod-\*"/);
    expect(resource('cloudformation:DescribeStacks')).toMatch(/:stack\/DailyNotifications-prod-\*\/\*"/);
  });

  it('names the smoke user the deployment tests read', () => {
    const tests = fs.readFileSync(
      path.join(__dirname, '..', '..', 'tests', 'e2e', 'test_deployment.py'),
      'utf8',
    );
    expect(tests).toContain(`SMOKE_USER = "${SMOKE_USER_ID}"`);
  });
});

describe.each(['dev', 'qa'] as const)('the %s tests role (full suite)', (env) => {
  const statements = testsStatements(env);
  const on = (action: string) =>
    statements
      .filter((s) => ([] as string[]).concat(s.Action).includes(action))
      .map((s) => JSON.stringify(s.Resource));

  it('manages only its own dn-e2e-* queues, resets only the alert path, invokes only what the tests run', () => {
    for (const action of ['sqs:CreateQueue', 'sqs:DeleteQueue', 'sqs:SetQueueAttributes']) {
      expect(on(action), action).toEqual([expect.stringMatching(/:dn-e2e-alerts-\*"/)]);
    }
    // The alarm the alerting test fires and the composite that pages for it (composites on here).
    const reset = on('cloudwatch:SetAlarmState');
    expect(reset).toHaveLength(1);
    expect(reset[0].match(/:alarm:[^"]*/g)).toEqual([
      `:alarm:daily-notifications-${env}-find-daily-errors`,
      `:alarm:daily-notifications-${env}-generation-late`,
    ]);
    expect(on('sns:Subscribe')).toEqual([
      expect.stringMatching(new RegExp(`:daily-notifications-${env}-alarms-critical"\\]\\]\\}$`)),
    ]);
    expect(on('lambda:InvokeFunction').join()).not.toContain('get-notifications');
    expect(on('lambda:InvokeFunction').join()).not.toMatch(/function:[^"]*\*/);
  });

  it('seeds the table without touching run markers', () => {
    const seed = statements.find((s) => s.Action === 'dynamodb:BatchWriteItem')!;
    expect(seed.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DAY#*', 'SEGMENT#*', 'USER#*'] },
    });
  });
});

it('the DEPLOY_WORKFLOW the roles trust is the workflow that assumes them', () => {
  const workflow = fs.readFileSync(path.join(__dirname, '..', '..', DEPLOY_WORKFLOW), 'utf8');
  expect(workflow).toContain('role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}');
  expect(workflow).toContain('role-to-assume: ${{ vars.AWS_TESTS_ROLE_ARN }}');
  expect(githubSubject('o/r', 'qa', DEPLOY_WORKFLOW, 'refs/heads/main')).toBe(
    'repo:o/r:environment:qa:job_workflow_ref:o/r/.github/workflows/deploy-env.yml@refs/heads/main',
  );
});

it('cdk-nag has no open finding on the delivery stacks', () => {
  const report = JSON.parse(
    fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as { pluginReports: { violations: unknown[] }[] };
  expect(report.pluginReports.filter((r) => r.violations.length > 0)).toEqual([]);
});
