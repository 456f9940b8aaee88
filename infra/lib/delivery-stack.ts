import { CfnOutput, Duration, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { EnvConfig } from '../config/types';
import { AppStack } from './constructs/concern';
import {
  alertTestPath,
  E2E_QUEUE_PREFIX,
  githubRoleName,
  resourcePrefix,
  SMOKE_USER_ID,
  stackNamePattern,
} from './naming';

export interface DeliveryStackProps extends StackProps {
  readonly config: EnvConfig;
  /** `<owner>/<repo>` whose GitHub Actions may deploy this environment. */
  readonly repository: string;
  /** Create the account's GitHub OIDC provider (one per account; false when it already exists). */
  readonly createOidcProvider: boolean;
  /** The git ref whose workflow files may assume the roles (default `refs/heads/main`). */
  readonly workflowRef?: string;
}

const GITHUB_OIDC = 'token.actions.githubusercontent.com';

/** The reusable workflow that deploys an environment and runs its tests (both roles are assumed there). */
export const DEPLOY_WORKFLOW = '.github/workflows/deploy-env.yml';

/**
 * The OIDC subject of a job of `repository` in GitHub environment `env`, running the workflow file
 * `workflow` at `ref`. AWS evaluates only `sub` (and `aud`) of GitHub's token, so the repository's
 * subject claim template includes `job_workflow_ref` (docs/DELIVERY.md, one-time set-up).
 */
export function githubSubject(repository: string, env: string, workflow: string, ref: string): string {
  return `repo:${repository}:environment:${env}:job_workflow_ref:${repository}/${workflow}@${ref}`;
}

/**
 * What GitHub Actions needs to deliver one environment, in that environment's account: the
 * GitHub OIDC provider and two roles trusted only by this repository's deploy workflow file on
 * `main`, running in the GitHub environment of the same name (so `prod` also needs that
 * environment's required reviewers):
 *  - the deploy role, which may only assume the CDK bootstrap roles (cdk diff / deploy);
 *  - the deployment-tests role, which may call what tests/e2e calls here and no more: with the
 *    smoke suite (prod) read the smoke user's inbox through the API and alarm and stack state;
 *    with the full suite (dev, qa) also seed the table, run the day, send a poison message, fire
 *    one alarm and manage its own dn-e2e-* queues, and assume the CSV uploader role.
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
    const subject = githubSubject(
      props.repository,
      cfg.name,
      DEPLOY_WORKFLOW,
      props.workflowRef ?? 'refs/heads/main',
    );
    const trust = new iam.FederatedPrincipal(
      providerArn,
      { StringEquals: { [`${GITHUB_OIDC}:aud`]: 'sts.amazonaws.com', [`${GITHUB_OIDC}:sub`]: subject } },
      'sts:AssumeRoleWithWebIdentity',
    );

    this.deployRole = new iam.Role(this, 'DeployRole', {
      roleName: githubRoleName(cfg.name, 'deploy'),
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

    this.testsRole = new iam.Role(this, 'TestsRole', {
      roleName: githubRoleName(cfg.name, 'deployment-tests'),
      description: `GitHub Actions (${props.repository}, environment ${cfg.name}): tests/e2e (${cfg.deploymentTests.suite})`,
      assumedBy: trust,
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        DeploymentTests: new iam.PolicyDocument({
          statements: [
            ...this.readStatements(cfg, prefix),
            ...(cfg.deploymentTests.suite === 'full' ? this.fullSuiteStatements(cfg, prefix) : []),
          ],
        }),
      },
    });
    // cdk-nag names a wildcard grant by its ARN with the partition token spelled out (as a token,
    // or as "aws" when the region's partition is known at synth time).
    for (const resource of this.wildcards) {
      Validations.of(this.testsRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason:
          "Names this environment's resources by their prefix (daily-notifications-<env>-*), the test " +
          'queues by theirs, KMS keys by alias (condition), and the CloudWatch calls AWS requires on ' +
          'Resource "*" (metric calls, by namespace where AWS supports it; DescribeAlarms of composite alarms).',
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

  private readonly wildcards: string[] = [];

  /** An ARN of this account and region; one with a wildcard is remembered for its nag acknowledgement. */
  private arn(service: string, resource: string): string {
    if (resource.includes('*')) {
      for (const partition of ['<AWS::Partition>', 'aws']) {
        this.wildcards.push(`arn:${partition}:${service}:${this.region}:${this.account}:${resource}`);
      }
    }
    return `arn:${this.partition}:${service}:${this.region}:${this.account}:${resource}`;
  }

  /** Resource "*", for the calls AWS authorizes on no resource type (remembered for cdk-nag). */
  private everything(): string {
    this.wildcards.push('*');
    return '*';
  }

  /** Every suite: the API as the smoke user (any user with the full suite), alarm and stack state. */
  private readStatements(cfg: EnvConfig, prefix: string): iam.PolicyStatement[] {
    const user = cfg.deploymentTests.suite === 'full' ? '*' : SMOKE_USER_ID;
    return [
      // The API id is not known to this stack: any API of the account, only this route and user.
      new iam.PolicyStatement({
        actions: ['execute-api:Invoke'],
        resources: [this.arn('execute-api', `*/${cfg.api.stageName}/GET/users/${user}/notifications`)],
      }),
      new iam.PolicyStatement({
        actions: ['cloudwatch:DescribeAlarms'],
        resources: [this.arn('cloudwatch', `alarm:${prefix}-*`)],
      }),
      new iam.PolicyStatement({
        actions: ['cloudformation:DescribeStacks'],
        resources: [this.arn('cloudformation', `stack/${stackNamePattern(cfg.name)}/*`)],
      }),
    ];
  }

  /** The full suite only (dev, qa): what seeding, the day's run and the destructive tests call. */
  private fullSuiteStatements(cfg: EnvConfig, prefix: string): iam.PolicyStatement[] {
    const queue = (name: string) => this.arn('sqs', name);
    const alert = alertTestPath(cfg);
    return [
      // tools/run_day.py and the destructive tests start runs and hand records to the functions.
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: ['find-daily', 'generate', 'loader'].map((fn) =>
          this.arn('lambda', `function:${prefix}-${fn}`),
        ),
      }),
      // tests/e2e/test_inbox_state.py: the inbox state routes (any user of the full suite).
      new iam.PolicyStatement({
        actions: ['execute-api:Invoke'],
        resources: [
          `*/${cfg.api.stageName}/GET/users/*/notifications/count`,
          `*/${cfg.api.stageName}/PATCH/users/*/notifications/*`,
          `*/${cfg.api.stageName}/POST/users/*/notifications/read-all`,
        ].map((route) => this.arn('execute-api', route)),
      }),
      // tests/e2e/test_authoring.py: the admin routes.
      new iam.PolicyStatement({
        actions: ['execute-api:Invoke'],
        resources: [
          `*/${cfg.api.stageName}/PUT/admin/notifications/*`,
          `*/${cfg.api.stageName}/GET/admin/notifications`,
          `*/${cfg.api.stageName}/DELETE/admin/notifications/*`,
        ].map((route) => this.arn('execute-api', route)),
      }),
      // ... and the records' state as stored, read back from the users' partitions; the
      // materialised segments (test_audiences.py) and a day's frozen copies (test_authoring.py).
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [this.arn('dynamodb', `table/${prefix}-notifications`)],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['USER#*', 'SEGMENT#*', 'DAY#*'] },
        },
      }),
      // Counting a day's inbox records (a COUNT scan).
      new iam.PolicyStatement({
        actions: ['dynamodb:Scan'],
        resources: [this.arn('dynamodb', `table/${prefix}-notifications`)],
      }),
      // tools/seed.py: profiles, audiences, the day's notifications; never a run marker.
      new iam.PolicyStatement({
        actions: ['dynamodb:BatchWriteItem'],
        resources: [this.arn('dynamodb', `table/${prefix}-notifications`)],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DAY#*', 'SEGMENT#*', 'USER#*'] },
        },
      }),
      // The poison message and the drain check on the GenerateMessage queue; its DLQ is read back.
      new iam.PolicyStatement({
        actions: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
        resources: [queue(`${prefix}-generate`)],
      }),
      new iam.PolicyStatement({
        actions: ['sqs:DeleteMessage', 'sqs:ReceiveMessage'],
        resources: [queue(`${prefix}-generate-dlq`)],
      }),
      // tools/audiences.py waits for a sync pass (the queue's depth); test_audiences.py starts one.
      new iam.PolicyStatement({
        actions: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
        resources: [queue(`${prefix}-audience-sync`)],
      }),
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.arn('kms', 'key/*')],
        conditions: {
          StringEquals: { 'kms:ViaService': [`sqs.${this.region}.amazonaws.com`] },
          'ForAnyValue:StringLike': { 'kms:ResourceAliases': [`alias/${prefix}/*`] },
        },
      }),
      // The alerting test's own queue, subscribed to the alert's topic.
      new iam.PolicyStatement({
        actions: [
          'sqs:CreateQueue',
          'sqs:DeleteQueue',
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
          'sqs:SetQueueAttributes',
        ],
        resources: [queue(`${E2E_QUEUE_PREFIX}*`)],
      }),
      // ... to the topic the fired alarm's notification reaches (naming.ts alertTestPath).
      new iam.PolicyStatement({
        actions: ['sns:Subscribe'],
        resources: [this.arn('sns', `${cfg.alarms.topicName}-${alert.topic}`)],
      }),
      // Removing the test queue's subscription afterwards: AWS authorizes Unsubscribe on no resource type.
      new iam.PolicyStatement({ actions: ['sns:Unsubscribe'], resources: [this.everything()] }),
      // The alarm the alerting test fires and the composite it feeds (each reset to OK first).
      new iam.PolicyStatement({
        actions: ['cloudwatch:SetAlarmState'],
        resources: alert.alarms.map((key) => this.arn('cloudwatch', `alarm:${prefix}-${key}`)),
      }),
      // Finding that composite: AWS returns composite alarms only to DescribeAlarms on "*".
      ...(cfg.alarms.compositeAlarms.enabled
        ? [
            new iam.PolicyStatement({
              actions: ['cloudwatch:DescribeAlarms'],
              resources: [this.everything()],
            }),
          ]
        : []),
      // Metric calls have no resource-level permissions (AWS requires "*"); writes are pinned to
      // the tests' own namespace.
      new iam.PolicyStatement({
        actions: ['cloudwatch:GetMetricStatistics'],
        resources: [this.everything()],
      }),
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: [this.everything()],
        conditions: { StringEquals: { 'cloudwatch:namespace': 'DailyNotifications/E2E' } },
      }),
      // The data pipeline tests upload through the uploader role (the bucket admits only it).
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: [`arn:${this.partition}:iam::${this.account}:role/${prefix}-csv-uploader`],
      }),
    ];
  }
}
