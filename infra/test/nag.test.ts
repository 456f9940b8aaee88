import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ENV_NAMES } from '../config';
import { synthEnv } from './support/synth';

function violations(app: App): string[] {
  return new AwsSolutionsChecks()
    .validateScope(app)
    .violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.severity} ${v.ruleName} ${r.constructPath}`),
    );
}

describe('cdk-nag AwsSolutions', () => {
  it.each(ENV_NAMES)('%s: no unacknowledged finding (errors or warnings)', (env) => {
    expect(violations(synthEnv(env).app)).toEqual([]);
  });

  it.each(ENV_NAMES)('%s: the synth validation report has no open violation', (env) => {
    // Written by the synth (cdk-nag and CDK's built-in CloudFormation validation).
    const report = JSON.parse(
      fs.readFileSync(path.join(synthEnv(env).app.outdir, 'validation-report.json'), 'utf8'),
    ) as { pluginReports: { pluginName: string; violations: unknown[] }[] };
    expect(report.pluginReports.filter((r) => r.violations.length > 0)).toEqual([]);
  });

  it.each(ENV_NAMES)('%s: every acknowledgement names one rule and gives a real reason', (env) => {
    const acks: [string, string, string][] = [];
    for (const c of synthEnv(env).app.node.findAll()) {
      for (const m of c.node.metadata) {
        if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(m.data as Record<string, string>))
          acks.push([c.node.path, id, reason]);
      }
    }
    expect(acks.length).toBeGreaterThan(5);
    for (const [where, id, reason] of acks) {
      expect(id, where).toMatch(
        /^(Annotation::AwsSolutions-[A-Z]+\d+(\[[^\]]+\])?|CloudFormation-Validate::W\d+)$/,
      );
      expect(reason.length, `${where} ${id}`).toBeGreaterThan(40);
    }
  });

  it('can fail: an unencrypted, TLS-optional queue without DLQ is reported', () => {
    const app = new App();
    const stack = new Stack(app, 'Bad');
    new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(violations(app)).toEqual(
      expect.arrayContaining([
        'error AwsSolutions-SQS3 Bad/Queue/Resource',
        'error AwsSolutions-SQS4 Bad/Queue/Resource',
      ]),
    );
  });
});
