/**
 * Gradual deployment: a function is published as a version behind the `live` alias, and its
 * callers (schedule, SQS event source, API) invoke the alias. Where the config enables gradual
 * deployment, CodeDeploy shifts the alias to a new version with the configured canary/linear/
 * all-at-once configuration and rolls back automatically when the alias's alarms fire during the
 * shift. (VpcFunction publishes through this when it is given one.)
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { DeploymentConfig, LambdaDeploymentConfigName } from '../../config/types';
import { RUNBOOK_PATH } from '../monitoring-alarms';
import { Concern } from './concern';

export const LIVE_ALIAS = 'live';

const CONFIGS: Record<LambdaDeploymentConfigName, codedeploy.ILambdaDeploymentConfig> = {
  ALL_AT_ONCE: codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE,
  CANARY_10PERCENT_5MINUTES: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  CANARY_10PERCENT_10MINUTES: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  LINEAR_10PERCENT_EVERY_1MINUTE: codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
};

export interface GradualDeploymentProps {
  /** CodeDeploy application name (the environment's resource prefix). */
  readonly applicationName: string;
  readonly deployment: DeploymentConfig;
}

/**
 * Shared by the functions of one stack: one CodeDeploy application and one service role, created
 * with the first deployment group. Children: `Application`, `Role`; and, in each published
 * function, `Alias`, `DeployErrorsAlarm`, `DeployThrottlesAlarm`, `DeploymentGroup`.
 */
export class GradualDeployment extends Concern {
  private application?: codedeploy.LambdaApplication;
  private role?: iam.Role;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: GradualDeploymentProps,
  ) {
    super(scope, id);
  }

  /**
   * Publishes `fn` behind the `live` alias, a child of `owner` (the function's concern); with
   * gradual deployment on, adds the alias's rollback alarms and its deployment group there too.
   */
  publish(owner: Construct, fn: lambda.Function, name: string, functionName: string): lambda.Alias {
    const alias = new lambda.Alias(owner, 'Alias', {
      aliasName: LIVE_ALIAS,
      version: fn.currentVersion,
      description: `Traffic of ${functionName}; shifted by CodeDeploy when enabled`,
    });
    const deployment = this.props.deployment;
    if (!deployment.gradual) return alias;

    // Errors of the alias only: during a shift that is the new version's traffic plus the old
    // version's share, so a healthy old version does not mask a failing new one for long.
    const alarm = (id: string, what: string, metric: cloudwatch.IMetric, suffix: string) =>
      new cloudwatch.Alarm(owner, id, {
        alarmName: `${functionName}-live-${suffix}`,
        alarmDescription:
          `[DEPLOYMENT] ${name} (alias ${LIVE_ALIAS}) ${what} during a deployment: ` +
          `CodeDeploy rolls back. Runbook: ${RUNBOOK_PATH}#deployment-rollback`,
        metric,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const perMinute = { statistic: 'Sum', period: Duration.minutes(1) };
    const alarms = [
      alarm('DeployErrorsAlarm', 'failed invocations', alias.metricErrors(perMinute), 'errors'),
      alarm('DeployThrottlesAlarm', 'was throttled', alias.metricThrottles(perMinute), 'throttles'),
    ];
    new codedeploy.LambdaDeploymentGroup(owner, 'DeploymentGroup', {
      application: this.sharedApplication(),
      deploymentGroupName: functionName,
      alias,
      deploymentConfig: CONFIGS[deployment.config],
      alarms,
      role: this.sharedRole(),
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    return alias;
  }

  private sharedApplication(): codedeploy.LambdaApplication {
    this.application ??= new codedeploy.LambdaApplication(this, 'Application', {
      applicationName: this.props.applicationName,
    });
    return this.application;
  }

  private sharedRole(): iam.Role {
    if (this.role) return this.role;
    this.role = new iam.Role(this, 'Role', {
      description: `CodeDeploy: shift the ${LIVE_ALIAS} aliases of ${this.props.applicationName}`,
      assumedBy: new iam.ServicePrincipal('codedeploy.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
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
