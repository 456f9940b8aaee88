import { CfnOutput, Duration, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { AppStack } from './constructs/concern';
import type { EnvConfig } from '../config/types';
import { resourcePrefix } from './naming';

export interface DeliveryStackProps extends StackProps {
  readonly config: EnvConfig;
  /** `<owner>/<repo>` whose GitHub Actions may deploy this environment. */
  readonly repository: string;
  /** Create the account's GitHub OIDC provider (one per account; false when it already exists). */
  readonly createOidcProvider: boolean;
}

const GITHUB_OIDC = 'token.actions.githubusercontent.com';

/**
 * What GitHub Actions needs to deliver one environment, in that environment's account: the
 * GitHub OIDC provider and two roles trusted only by this repository's GitHub environment of the
 * same name (so `prod` also needs that environment's required reviewers):
 *  - the deploy role, which may only assume the CDK bootstrap roles (cdk diff / deploy);
 *  - the deployment-tests role, which may call what tests/e2e calls, on this environment's
 *    resources only, and assume the CSV uploader role.
 * Entry point: bin/delivery.ts (deployed once per account, outside the pipeline it enables).
 */
export class DeliveryStack extends AppStack {
  readonly deployRole: iam.Role;
  readonly testsRole: iam.Role;

  constructor(scope: Construct, id: string, props: DeliveryStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    const prefix = resourcePrefix(cfg.name);
    const providerArn = `arn:${this.partition}:iam::${this.account}:oidc-provider/${GITHUB_OIDC}`;
    // The L1 resource: no custom-resource Lambda.
    const provider = props.createOidcProvider
      ? new iam.CfnOIDCProvider(this, 'GitHubOidcProvider', {
          url: `https://${GITHUB_OIDC}`,
          clientIdList: ['sts.amazonaws.com'],
        })
      : undefined;
    const trust = new iam.FederatedPrincipal(
      providerArn,
      {
        StringEquals: {
          [`${GITHUB_OIDC}:aud`]: 'sts.amazonaws.com',
          [`${GITHUB_OIDC}:sub`]: `repo:${props.repository}:environment:${cfg.name}`,
        },
      },
      'sts:AssumeRoleWithWebIdentity',
    );

    this.deployRole = new iam.Role(this, 'DeployRole', {
      roleName: `${prefix}-github-deploy`,
      description: `GitHub Actions (${props.repository}, environment ${cfg.name}): cdk diff and deploy`,
      assumedBy: trust,
      maxSessionDuration: Duration.hours(2),
      inlinePolicies: {
        AssumeCdkRoles: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['sts:AssumeRole'],
              resources: [
                `arn:${this.partition}:iam::${this.account}:role/cdk-hnb659fds-*-${this.account}-${this.region}`,
              ],
            }),
          ],
        }),
      },
    });
    for (const partition of ['<AWS::Partition>', 'aws']) {
      Validations.of(this.deployRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:${partition}:iam::${this.account}:role/cdk-hnb659fds-*-${this.account}-${this.region}]`,
        reason:
          'The CDK bootstrap roles (deploy, file/image publishing, lookup) of this account and region, named by CDK.',
      });
    }

    // cdk-nag names a wildcard grant by its ARN with the partition token spelled out.
    // (as a token, or as "aws" when the region's partition is known at synth time).
    const wildcards: string[] = ['*'];
    const arn = (service: string, resource: string) => {
      for (const partition of ['<AWS::Partition>', 'aws']) {
        wildcards.push(`arn:${partition}:${service}:${this.region}:${this.account}:${resource}`);
      }
      return `arn:${this.partition}:${service}:${this.region}:${this.account}:${resource}`;
    };
    this.testsRole = new iam.Role(this, 'TestsRole', {
      roleName: `${prefix}-github-deployment-tests`,
      description: `GitHub Actions (${props.repository}, environment ${cfg.name}): tests/e2e`,
      assumedBy: trust,
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        DeploymentTests: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['execute-api:Invoke'],
              resources: [arn('execute-api', `*/${cfg.api.stageName}/GET/users/*/notifications`)],
            }),
            new iam.PolicyStatement({
              actions: ['lambda:InvokeFunction'],
              resources: [arn('lambda', `function:${prefix}-*`)],
            }),
            new iam.PolicyStatement({
              actions: ['dynamodb:BatchWriteItem', 'dynamodb:Scan'],
              resources: [arn('dynamodb', `table/${prefix}-notifications`)],
            }),
            new iam.PolicyStatement({
              actions: [
                'sqs:DeleteMessage',
                'sqs:GetQueueAttributes',
                'sqs:ReceiveMessage',
                'sqs:SendMessage',
                'sqs:CreateQueue',
                'sqs:DeleteQueue',
                'sqs:SetQueueAttributes',
              ],
              resources: [arn('sqs', `${prefix}-*`), arn('sqs', 'dn-e2e-alerts-*')],
            }),
            new iam.PolicyStatement({
              actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
              resources: [arn('kms', 'key/*')],
              conditions: {
                StringEquals: { 'kms:ViaService': [`sqs.${this.region}.amazonaws.com`] },
                'ForAnyValue:StringLike': { 'kms:ResourceAliases': [`alias/${prefix}/*`] },
              },
            }),
            new iam.PolicyStatement({
              actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:SetAlarmState'],
              resources: [arn('cloudwatch', `alarm:${prefix}-*`)],
            }),
            // Metric calls have no resource-level permissions (AWS requires "*"); writes are pinned
            // to the tests' own namespace.
            new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricStatistics'], resources: ['*'] }),
            new iam.PolicyStatement({
              actions: ['cloudwatch:PutMetricData'],
              resources: ['*'],
              conditions: { StringEquals: { 'cloudwatch:namespace': 'DailyNotifications/E2E' } },
            }),
            new iam.PolicyStatement({
              actions: ['sns:Subscribe', 'sns:Unsubscribe'],
              resources: [arn('sns', `${cfg.alarms.topicName}-*`)],
            }),
            new iam.PolicyStatement({
              actions: ['sts:AssumeRole'],
              resources: [`arn:${this.partition}:iam::${this.account}:role/${prefix}-csv-uploader`],
            }),
          ],
        }),
      },
    });
    for (const resource of wildcards) {
      Validations.of(this.testsRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason:
          "Names this environment's resources by their prefix (daily-notifications-<env>-*), the test " +
          'queues by theirs, KMS keys by alias (condition), and CloudWatch metric calls, which AWS ' +
          'requires on Resource "*", by namespace where AWS supports it.',
      });
    }

    // The roles name the provider by ARN (it may already exist): create it first when it is ours.
    if (provider) {
      this.deployRole.node.addDependency(provider);
      this.testsRole.node.addDependency(provider);
    }

    new CfnOutput(this, 'DeployRoleArn', {
      value: this.deployRole.roleArn,
      description: 'vars.AWS_DEPLOY_ROLE_ARN',
    });
    new CfnOutput(this, 'TestsRoleArn', {
      value: this.testsRole.roleArn,
      description: 'vars.AWS_TESTS_ROLE_ARN',
    });
  }
}
