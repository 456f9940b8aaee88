import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { addDelivery } from '../lib/delivery';

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
  const s = addDelivery(other, { repository: 'acme/fork', createOidcProvider: false });
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
  expect(subjects).toEqual(['repo:acme/fork:environment:qa', 'repo:acme/fork:environment:qa']);
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

  it('trusts only this repository in the GitHub environment of the same name', () => {
    for (const suffix of ['-github-deploy', '-github-deployment-tests']) {
      const trust = byName(suffix).AssumeRolePolicyDocument as Doc;
      expect(trust.Statement).toHaveLength(1);
      expect(trust.Statement[0]).toMatchObject({ Action: 'sts:AssumeRoleWithWebIdentity', Effect: 'Allow' });
      // Exactly this condition: no wildcard subject, no other branch, environment, or repository.
      expect(trust.Statement[0].Condition).toEqual({
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': `repo:${REPO}:environment:${env}`,
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
        expect(actions.every((a) => a.startsWith('cloudwatch:'))).toBe(true);
        continue;
      }
      expect(resource, actions.join(',')).toMatch(
        // The API id is not known to this stack: any API of the account, only the one route.
        new RegExp(
          `daily-notifications-${env}|dn-e2e-alerts-|kms:.*key/\\*|execute-api:.*/GET/users/\\*/notifications`,
        ),
      );
    }
  });
});

it('cdk-nag has no open finding on the delivery stacks', () => {
  const report = JSON.parse(
    fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as { pluginReports: { violations: unknown[] }[] };
  expect(report.pluginReports.filter((r) => r.violations.length > 0)).toEqual([]);
});
