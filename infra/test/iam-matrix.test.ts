import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV_NAMES } from '../config';
import { diffGrants, expectedGrants, parseMatrix, readMatrix, unjustifiedWildcards } from './support/matrix';
import { GrantExtractor, grantKey, type Grant } from './support/policies';
import { friendlyNames, synthEnv, type CfnTemplate, type SynthesizedEnv } from './support/synth';

function extractor(s: SynthesizedEnv, notifications: CfnTemplate = s.notificationsJson): GrantExtractor {
  return new GrantExtractor(s.cfg, [
    { template: s.networkJson, names: friendlyNames(s.stacks.network) },
    { template: notifications, names: friendlyNames(s.stacks.notifications) },
    {
      template: Template.fromStack(s.stacks.data).toJSON() as CfnTemplate,
      names: friendlyNames(s.stacks.data),
    },
    {
      template: Template.fromStack(s.stacks.monitoring).toJSON() as CfnTemplate,
      names: friendlyNames(s.stacks.monitoring),
    },
  ]);
}

const matrix = readMatrix();

describe('access matrix (docs/SECURITY.md)', () => {
  it('justifies every bare * resource and wildcard action with "AWS requires"', () => {
    expect(unjustifiedWildcards(matrix).map((r) => `line ${r.line}`)).toEqual([]);
  });

  it.each(ENV_NAMES)('%s: the synthesized grants are exactly the matrix', (env) => {
    const actual = extractor(synthEnv(env)).grants();
    const { extra, missing } = diffGrants(expectedGrants(matrix, env), actual);
    // Printed as "principal | effect | action | resource | condition" to paste into the matrix.
    expect({ extraInTemplates: extra, missingFromTemplates: missing }).toEqual({
      extraInTemplates: [],
      missingFromTemplates: [],
    });
    expect(actual.length).toBeGreaterThan(50);
  });

  it('every matrix row is used by at least one environment', () => {
    const used = new Set<number>();
    for (const env of ENV_NAMES) {
      const actual = new Set(extractor(synthEnv(env)).grants().map(grantKey));
      for (const row of matrix) {
        const grants = expectedGrants([row], env);
        if (grants.length > 0 && grants.every((g) => actual.has(grantKey(g)))) used.add(row.line);
      }
    }
    expect(matrix.filter((r) => !used.has(r.line)).map((r) => `line ${r.line}`)).toEqual([]);
  });
});

describe('the matrix check can fail', () => {
  it('reports an action added to a role policy as extra', () => {
    const s = synthEnv('dev');
    const mutated = structuredClone(s.notificationsJson);
    const role = Object.values(mutated.Resources).find(
      (r) => r.Type === 'AWS::IAM::Role' && JSON.stringify(r).includes('secretsmanager:GetSecretValue'),
    );
    const policies = role?.Properties?.Policies as { PolicyDocument: { Statement: { Action: unknown }[] } }[];
    policies[0].PolicyDocument.Statement.push({
      Action: 'dynamodb:DeleteItem',
      Effect: 'Allow',
      Resource: '*',
    } as never);
    const { extra, missing } = diffGrants(extractor(s).grants(), extractor(s, mutated).grants());
    expect(extra).toEqual(['role:GetNotificationsRole | Allow | dynamodb:DeleteItem | * | ']);
    expect(missing).toEqual([]);
  });

  it('reports a grant the matrix lists but the templates lack as missing', () => {
    const s = synthEnv('dev');
    const actual = extractor(s).grants();
    const dropped: Grant = actual.find(
      (g) => g.action === 'lambda:InvokeFunction' && g.principal === 'role:SchedulerRole',
    )!;
    const { missing } = diffGrants(
      actual,
      actual.filter((g) => g !== dropped),
    );
    expect(missing).toEqual(['role:SchedulerRole | Allow | lambda:InvokeFunction | ${FindDailyAlias} | ']);
  });

  it('rejects a wildcard row without an AWS reason', () => {
    const md = [
      '## Access matrix',
      '',
      '| Principal | Effect | Actions | Resource | Condition | Envs | Why |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      '| `role:X` | Allow | `s3:*` | `*` | | all | Convenient for now. |',
    ].join('\n');
    expect(unjustifiedWildcards(parseMatrix(md))).toHaveLength(1);
  });

  it('fails loudly on a policy property it does not model', () => {
    const s = synthEnv('dev');
    const mutated = structuredClone(s.notificationsJson);
    const table = Object.values(mutated.Resources).find((r) => r.Type === 'AWS::DynamoDB::Table')!;
    table.Properties!.ResourcePolicy = { PolicyDocument: { Statement: [] } };
    expect(() => extractor(s, mutated).grants()).toThrow(
      /Unhandled policy property AWS::DynamoDB::Table.ResourcePolicy/,
    );
  });
});
