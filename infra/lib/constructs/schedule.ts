import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { keyUseVia } from '../kms';
import { Concern } from './concern';

export interface DailyScheduleProps {
  /** Physical schedule name (default group). */
  readonly scheduleName: string;
  /** EventBridge Scheduler expression, evaluated in `timezone`. */
  readonly expression: string;
  readonly timezone: string;
  readonly maxRetryAttempts: number;
  /** What the schedule invokes (find-daily's `live` alias). */
  readonly target: lambda.IFunction;
  /** Where undeliverable events go, and the key it is encrypted with. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly deadLetterKey: kms.IKey;
}

/**
 * An EventBridge Scheduler schedule (time-zone aware) that invokes `target` once per occurrence
 * with the scheduler's own event, and its role (invoke the target, park failures in the DLQ).
 * Outputs: `schedule` (its `ref` is the schedule name).
 */
export class DailySchedule extends Concern {
  readonly schedule: scheduler.CfnSchedule;

  constructor(scope: Construct, id: string, props: DailyScheduleProps) {
    super(scope, id);
    const role = new iam.Role(this, 'Role', {
      description: `EventBridge Scheduler: invoke ${props.scheduleName}, park failures in the DLQ`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      inlinePolicies: {
        InvokeFindDaily: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['lambda:InvokeFunction'],
              resources: [props.target.functionArn],
            }),
            new iam.PolicyStatement({
              actions: ['sqs:SendMessage'],
              resources: [props.deadLetterQueue.queueArn],
            }),
            keyUseVia(props.deadLetterKey, ['kms:Decrypt', 'kms:GenerateDataKey'], 'sqs'),
          ],
        }),
      },
    });

    this.schedule = new scheduler.CfnSchedule(this, 'Default', {
      name: props.scheduleName,
      description: 'Starts the daily run of find-daily',
      scheduleExpression: props.expression,
      scheduleExpressionTimezone: props.timezone,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: props.target.functionArn,
        roleArn: role.roleArn,
        // Scheduler substitutes the <aws.scheduler.*> placeholders at delivery time.
        input: JSON.stringify({
          source: 'aws.scheduler',
          scheduleArn: '<aws.scheduler.schedule-arn>',
          scheduledTime: '<aws.scheduler.scheduled-time>',
          executionId: '<aws.scheduler.execution-id>',
        }),
        retryPolicy: { maximumRetryAttempts: props.maxRetryAttempts, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: props.deadLetterQueue.queueArn },
      },
    });
  }

  /** The role kept the id it had before this concern existed (`SchedulerRole`), so it is not replaced. */
  override childComponent(own: string, childId: string): string {
    return childId === 'Role' ? 'SchedulerRole' : super.childComponent(own, childId);
  }
}
