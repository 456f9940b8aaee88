/**
 * Prod safety: every function is published as a version behind the `live` alias, and callers
 * (schedule, SQS event source, API) invoke the alias. Where the config enables gradual deployment,
 * CodeDeploy shifts the alias to a new version with the configured canary/linear/all-at-once
 * configuration and rolls back automatically when the alias's alarms fire during the shift.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { EnvConfig, LambdaDeploymentConfigName } from '../config/types';
import { RUNBOOK_PATH } from './monitoring-alarms';
import { resourcePrefix, type FunctionName } from './naming';

export const LIVE_ALIAS = 'live';

const CONFIGS: Record<LambdaDeploymentConfigName, codedeploy.ILambdaDeploymentConfig> = {
  ALL_AT_ONCE: codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE,
  CANARY_10PERCENT_5MINUTES: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  CANARY_10PERCENT_10MINUTES: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  LINEAR_10PERCENT_EVERY_1MINUTE: codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
};

/** Shared by the functions of one stack: one CodeDeploy application and one service role. */
export class GradualDeployments {
  private application?: codedeploy.LambdaApplication;
  private role?: iam.Role;

  constructor(
    private readonly scope: Construct,
    private readonly cfg: EnvConfig,
  ) {}

  /** Publishes `fn` behind the `live` alias (construct id `<id>Alias`); returns the alias. */
  publish(id: string, name: FunctionName, fn: lambda.Function): lambda.Alias {
    const alias = new lambda.Alias(this.scope, `${id}Alias`, {
      aliasName: LIVE_ALIAS,
      version: fn.currentVersion,
      description: `Traffic of ${resourcePrefix(this.cfg.name)}-${name}; shifted by CodeDeploy when enabled`,
    });
    const deployment = this.cfg.deployment;
    if (!deployment.gradual) return alias;

    // Errors of the alias only: during a shift that is the new version's traffic plus the old
    // version's share, so a healthy old version does not mask a failing new one for long.
    const prefix = resourcePrefix(this.cfg.name);
    const alarms = [
      new cloudwatch.Alarm(this.scope, `${id}DeployErrorsAlarm`, {
        alarmName: `${prefix}-${name}-live-errors`,
        alarmDescription:
          `[DEPLOYMENT] ${name} (alias ${LIVE_ALIAS}) failed invocations during a deployment: ` +
          `CodeDeploy rolls back. Runbook: ${RUNBOOK_PATH}#deployment-rollback`,
        metric: alias.metricErrors({ statistic: 'Sum', period: Duration.minutes(1) }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this.scope, `${id}DeployThrottlesAlarm`, {
        alarmName: `${prefix}-${name}-live-throttles`,
        alarmDescription:
          `[DEPLOYMENT] ${name} (alias ${LIVE_ALIAS}) was throttled during a deployment: ` +
          `CodeDeploy rolls back. Runbook: ${RUNBOOK_PATH}#deployment-rollback`,
        metric: alias.metricThrottles({ statistic: 'Sum', period: Duration.minutes(1) }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    new codedeploy.LambdaDeploymentGroup(this.scope, `${id}DeploymentGroup`, {
      application: this.sharedApplication(),
      deploymentGroupName: `${prefix}-${name}`,
      alias,
      deploymentConfig: CONFIGS[deployment.config],
      alarms,
      role: this.sharedRole(),
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    return alias;
  }

  private sharedApplication(): codedeploy.LambdaApplication {
    this.application ??= new codedeploy.LambdaApplication(this.scope, 'DeploymentApplication', {
      applicationName: resourcePrefix(this.cfg.name),
    });
    return this.application;
  }

  private sharedRole(): iam.Role {
    if (this.role) return this.role;
    const stack = Stack.of(this.scope);
    this.role = new iam.Role(this.scope, 'DeploymentRole', {
      description: `CodeDeploy: shift the ${LIVE_ALIAS} aliases of ${resourcePrefix(this.cfg.name)}`,
      assumedBy: new iam.ServicePrincipal('codedeploy.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    // LambdaDeploymentGroup always attaches AWSCodeDeployRoleForLambdaLimited to its role.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      reason:
        "CDK's LambdaDeploymentGroup attaches AWS's CodeDeploy-for-Lambda service policy (alias update, " +
        'alarm reads, lifecycle-hook invokes limited to CodeDeployHook_* functions); the role is assumable ' +
        'only by CodeDeploy of this account.',
    });
    return this.role;
  }
}
