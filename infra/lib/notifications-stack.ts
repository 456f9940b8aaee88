import { CfnOutput, Validations, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { EnvConfig } from '../config/types';
import { functionCode } from './artifacts';
import { functionRuntime, logRetention, removalPolicy } from './config-helpers';
import { ServiceApi } from './constructs/api';
import { AppStack } from './constructs/concern';
import { VpcFunction } from './constructs/function';
import { GradualDeployment } from './constructs/live-alias';
import { DeadLetterQueue, WorkQueue } from './constructs/queue';
import { DailySchedule } from './constructs/schedule';
import { NotificationsTable } from './constructs/table';
import { allowLogsToUseKey, createKey, keyUseVia } from './kms';
import { DEFINITION_PK } from './table-keys';
import {
  apiAccessLogGroupName,
  githubRoleName,
  lambdaLogGroupName,
  resourcePrefix,
  type FunctionName,
} from './naming';

export interface NotificationsStackProps extends StackProps {
  readonly config: EnvConfig;
  /** VPC whose PRIVATE_ISOLATED subnets the functions run in. */
  readonly vpc: ec2.IVpc;
  readonly functionsSecurityGroup: ec2.ISecurityGroup;
  /** execute-api endpoint a PRIVATE API is pinned to (unused for REGIONAL). */
  readonly executeApiEndpoint: ec2.IInterfaceVpcEndpoint;
  /** Directory holding find-daily.zip, generate.zip and get-notifications.zip. */
  readonly artifactDir: string;
}

/**
 * The notification system: keys, the Notifications table, the GenerateMessage queue and its DLQ,
 * the daily-run DLQ, the cursor secret, the four functions behind their `live` aliases, the daily
 * schedule and the REST API.
 *
 * Outputs (stable names used by scripts and the deployment tests): TableName,
 * GenerateQueueUrl, GenerateDlqUrl, GenerateDlqArn, MaxReceiveCount, DailyRunDlqUrl, FindDailyFunctionName,
 * GenerateFunctionName, GetNotificationsFunctionName, UpdateNotificationsFunctionName,
 * ManageNotificationsFunctionName, ApiId,
 * ApiStageName, ApiUrl,
 * ScheduleName, CursorSecretArn, Timezone, SegmentNames.
 */
export class NotificationsStack extends AppStack {
  readonly table: NotificationsTable;
  /** Encrypts the table; sync-audiences (data stack) writes through DynamoDB with it. */
  readonly tableKey: kms.Key;
  readonly generateQueue: WorkQueue;
  readonly dailyRunDlq: DeadLetterQueue;
  readonly functions: Readonly<Record<FunctionName, VpcFunction>>;
  readonly api: ServiceApi;

  constructor(scope: Construct, id: string, props: NotificationsStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    const prefix = resourcePrefix(cfg.name);
    const removal = removalPolicy(cfg);

    // Separate keys per concern: a key policy never has to name a resource that itself depends
    // on the key (no cycles), and each role gets only the key of the data it touches.
    const logsKey = createKey(this, 'LogsKey', cfg, 'logs');
    allowLogsToUseKey(logsKey, [`/aws/lambda/${prefix}-*`, `/aws/apigateway/${prefix}-*`]);
    const tableKey = createKey(this, 'TableKey', cfg, 'table');
    this.tableKey = tableKey;
    const queueKey = createKey(this, 'QueueKey', cfg, 'queues');
    // Holds the cursor secret and the functions' environment variables.
    const configKey = createKey(this, 'ConfigKey', cfg, 'config');

    this.table = new NotificationsTable(this, 'Table', {
      tableName: `${prefix}-notifications`,
      key: tableKey,
      deletionProtection: cfg.data.deletionProtection,
      removalPolicy: removal,
    });
    const table = this.table;

    this.generateQueue = new WorkQueue(this, 'GenerateQueue', {
      queueName: `${prefix}-generate`,
      dlqName: `${prefix}-generate-dlq`,
      key: queueKey,
      retentionDays: cfg.queue.retentionDays,
      dlqRetentionDays: cfg.queue.dlqRetentionDays,
      removalPolicy: removal,
      maxReceiveCount: cfg.queue.maxReceiveCount,
      consumerTimeoutSeconds: cfg.functions.generate.timeoutSeconds,
      deadLetters: 'GenerateMessages that failed every retry',
    });
    const queue = this.generateQueue.queue;
    this.dailyRunDlq = new DeadLetterQueue(this, 'DailyRunDlq', {
      queueName: `${prefix}-daily-run-dlq`,
      key: queueKey,
      retentionDays: cfg.queue.dlqRetentionDays,
      removalPolicy: removal,
      holds: 'daily-run events the schedule could not deliver or find-daily failed to process',
    });
    const dailyRunDlq = this.dailyRunDlq.queue;

    const cursorSecret = new secretsmanager.Secret(this, 'CursorSecret', {
      secretName: `${prefix}/cursor-hmac-key`,
      description: 'HMAC key that signs get-notifications pagination cursors (64 random characters)',
      encryptionKey: configKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: removal,
    });
    Validations.of(cursorSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The cursor HMAC key has no rotation Lambda: rotating it invalidates every outstanding cursor ' +
        'and get-notifications reads it once at init; it is rotated by the documented manual procedure.',
    });

    // Callers invoke each function's `live` alias; CodeDeploy shifts it (constructs/live-alias.ts).
    const deployment = new GradualDeployment(this, 'Deployment', {
      applicationName: prefix,
      deployment: cfg.deployment,
    });
    const fn = (
      id: string,
      name: FunctionName,
      spec: { description: string; environment: Record<string, string>; statements: iam.PolicyStatement[] },
    ) =>
      new VpcFunction(this, id, {
        name,
        functionName: `${prefix}-${name}`,
        logGroupName: lambdaLogGroupName(cfg.name, name),
        description: spec.description,
        code: functionCode(props.artifactDir, name),
        sizing: cfg.functions[SIZING[name]],
        runtime: functionRuntime(cfg),
        vpc: props.vpc,
        securityGroups: [props.functionsSecurityGroup],
        configKey,
        logsKey,
        environment: spec.environment,
        // DynamoDB decrypts the table key with the caller's permission (via DynamoDB only).
        statements: [keyUseVia(tableKey, ['kms:Decrypt'], 'dynamodb'), ...spec.statements],
        deployment,
      });
    const useQueueKey = keyUseVia(queueKey, ['kms:Decrypt', 'kms:GenerateDataKey'], 'sqs');

    const findDaily = fn('FindDaily', 'find-daily', {
      description: 'Daily run: queues one GenerateMessage per notification of the day',
      environment: {
        TABLE_NAME: table.table.tableName,
        QUEUE_URL: queue.queueUrl,
        TIMEZONE: cfg.schedule.timezone,
      },
      statements: [
        // Read the definitions and the day; freeze the day (its copies and FROZEN marker); claim,
        // complete or fail the day's run marker.
        table.access(['dynamodb:Query'], [DEFINITION_PK]),
        table.access(['dynamodb:PutItem', 'dynamodb:Query'], ['DAY#*']),
        table.access(['dynamodb:PutItem', 'dynamodb:UpdateItem'], ['RUN#*']),
        new iam.PolicyStatement({
          actions: ['sqs:SendMessage'],
          resources: [queue.queueArn, dailyRunDlq.queueArn],
        }),
        useQueueKey,
      ],
    });
    // Async invocations (the schedule) that still fail after Lambda's retries are parked here.
    findDaily.parkFailedAsyncInvocationsIn(dailyRunDlq.queueArn);

    const generate = fn('Generate', 'generate', {
      description: 'Consumes GenerateMessages: writes one inbox record per recipient',
      environment: {
        TABLE_NAME: table.table.tableName,
        QUEUE_URL: queue.queueUrl,
        INBOX_TTL_DAYS: String(cfg.data.inboxTtlDays),
        MAX_PAGES_PER_INVOCATION: String(cfg.functions.maxPagesPerInvocation),
      },
      statements: [
        // Read the notification and a page of its audience; write inbox records under each user.
        table.access(['dynamodb:Query'], ['DAY#*']),
        table.access(['dynamodb:Query'], ['SEGMENT#*']),
        // Create-only: TransactWriteItems of conditional Puts, which IAM authorizes as PutItem.
        table.access(['dynamodb:PutItem'], ['USER#*']),
        // The chain state of each notification's walk (RUN#<date> / CHAIN#...): read and claimed.
        table.access(['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], ['RUN#*']),
        new iam.PolicyStatement({
          // Receive/Delete/GetQueueAttributes: the SQS event source polls with this role.
          // SendMessage: continuation messages for segments larger than one invocation.
          actions: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage'],
          resources: [queue.queueArn],
        }),
        useQueueKey,
      ],
    });
    this.generateQueue.feed(generate.invokable, {
      batchSize: cfg.queue.batchSize,
      maxConcurrency: cfg.queue.maxConcurrency,
    });

    const getNotifications = fn('GetNotifications', 'get-notifications', {
      description: "API: a user's inbox by status, newest first, with signed cursors; the unread count",
      environment: { TABLE_NAME: table.table.tableName, CURSOR_SECRET_ARN: cursorSecret.secretArn },
      statements: [
        // The user's partition (all, profile) and the user's partitions of the state index.
        table.access(['dynamodb:Query'], ['USER#*'], true),
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [cursorSecret.secretArn],
        }),
        keyUseVia(configKey, ['kms:Decrypt'], 'secretsmanager'),
      ],
    });
    const updateNotifications = fn('UpdateNotifications', 'update-notifications', {
      description: "API: a record's read/archived state, and read-all, in the user's partition",
      environment: { TABLE_NAME: table.table.tableName },
      statements: [
        // UpdateItem: one record's state (also each action of read-all's TransactWriteItems,
        // which IAM authorizes per contained action). Query: the profile and the unread index.
        table.access(['dynamodb:UpdateItem'], ['USER#*']),
        table.access(['dynamodb:Query'], ['USER#*'], true),
      ],
    });
    const manageNotifications = fn('ManageNotifications', 'manage-notifications', {
      description: 'Admin API: notification definitions (a date or a rule), what a day will send',
      environment: {
        TABLE_NAME: table.table.tableName,
        TIMEZONE: cfg.schedule.timezone,
        SEGMENTS: cfg.audiences.segments.map((seg) => seg.name).join(','),
      },
      statements: [
        // The definitions' partition; a day's copies and FROZEN marker (read, and checked in the
        // transaction that stores a one-date definition).
        table.access(['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query'], [DEFINITION_PK]),
        table.access(['dynamodb:ConditionCheckItem', 'dynamodb:Query'], ['DAY#*']),
      ],
    });
    this.functions = {
      'find-daily': findDaily,
      generate,
      'get-notifications': getNotifications,
      'update-notifications': updateNotifications,
      'manage-notifications': manageNotifications,
    };

    const schedule = new DailySchedule(this, 'DailySchedule', {
      scheduleName: `${prefix}-find-daily`,
      expression: cfg.schedule.expression,
      timezone: cfg.schedule.timezone,
      maxRetryAttempts: cfg.schedule.maxRetryAttempts,
      target: findDaily.invokable,
      deadLetterQueue: dailyRunDlq,
      deadLetterKey: queueKey,
    });

    // Who may read inboxes: the configured callers, and the deployment tests (tests/e2e) in every
    // environment. A route for other callers (e.g. admin authoring) lists its own roles.
    const testsRole = `arn:${this.partition}:iam::${this.account}:role/${githubRoleName(cfg.name, 'deployment-tests')}`;
    const inboxCallers = [...cfg.api.callerRoleArns, testsRole];
    // Authoring admits only the admin roles (and the deployment tests), never an inbox caller.
    const adminCallers = [...cfg.api.adminRoleArns, testsRole];
    this.api = new ServiceApi(this, 'Api', {
      restApiName: `${prefix}-api`,
      description: `daily-notifications ${cfg.name}: ${cfg.api.endpointType} (${cfg.api.endpointTypeReason})`,
      endpointType: cfg.api.endpointType,
      executeApiEndpoint: props.executeApiEndpoint,
      stageName: cfg.api.stageName,
      throttlingRateLimit: cfg.api.throttlingRateLimit,
      throttlingBurstLimit: cfg.api.throttlingBurstLimit,
      accessLogGroupName: apiAccessLogGroupName(cfg.name),
      logsKey,
      logRetention: logRetention(cfg),
      removalPolicy: removal,
      routes: [
        {
          method: 'GET',
          path: 'users/{userId}/notifications',
          handler: getNotifications.invokable,
          query: { limit: false, cursor: false, status: false },
          validatorName: `${prefix}-params`,
          callers: inboxCallers,
        },
        {
          method: 'GET',
          path: 'users/{userId}/notifications/count',
          handler: getNotifications.invokable,
          validatorName: `${prefix}-count-params`,
          callers: inboxCallers,
        },
        {
          method: 'PATCH',
          path: 'users/{userId}/notifications/{id}',
          handler: updateNotifications.invokable,
          validatorName: `${prefix}-state-params`,
          callers: inboxCallers,
        },
        {
          method: 'POST',
          path: 'users/{userId}/notifications/read-all',
          handler: updateNotifications.invokable,
          validatorName: `${prefix}-read-all-params`,
          callers: inboxCallers,
        },
        {
          method: 'PUT',
          path: 'admin/notifications/{notificationId}',
          handler: manageNotifications.invokable,
          validatorName: `${prefix}-admin-put-params`,
          callers: adminCallers,
        },
        {
          method: 'DELETE',
          path: 'admin/notifications/{notificationId}',
          handler: manageNotifications.invokable,
          validatorName: `${prefix}-admin-delete-params`,
          callers: adminCallers,
        },
        {
          method: 'GET',
          path: 'admin/notifications',
          handler: manageNotifications.invokable,
          query: { date: true },
          validatorName: `${prefix}-admin-list-params`,
          callers: adminCallers,
        },
      ],
    });
    const api = this.api.api;

    const outputs: Record<string, [string, string]> = {
      TableName: [table.table.tableName, 'Notifications table'],
      GenerateQueueUrl: [queue.queueUrl, 'GenerateMessage queue'],
      GenerateDlqUrl: [this.generateQueue.dlq.queueUrl, 'Dead-letter queue of the GenerateMessage queue'],
      // The redrive policy's parts, so tests and tools need not parse the queue's RedrivePolicy.
      GenerateDlqArn: [this.generateQueue.dlq.queueArn, 'ARN of the GenerateMessage DLQ'],
      MaxReceiveCount: [
        String(cfg.queue.maxReceiveCount),
        'Receives before a GenerateMessage goes to the DLQ',
      ],
      DailyRunDlqUrl: [dailyRunDlq.queueUrl, 'Dead-letter queue of the schedule and find-daily'],
      FindDailyFunctionName: [findDaily.fn.functionName, 'find-daily function'],
      GenerateFunctionName: [generate.fn.functionName, 'generate function'],
      GetNotificationsFunctionName: [getNotifications.fn.functionName, 'get-notifications function'],
      UpdateNotificationsFunctionName: [updateNotifications.fn.functionName, 'update-notifications function'],
      ManageNotificationsFunctionName: [manageNotifications.fn.functionName, 'manage-notifications function'],
      ApiId: [api.restApiId, 'REST API id'],
      ApiStageName: [api.deploymentStage.stageName, 'REST API stage'],
      ApiUrl: [api.url, 'REST API base URL (AWS form; MiniStack serves /_aws/execute-api/<id>/<stage>)'],
      ScheduleName: [
        schedule.schedule.ref,
        'EventBridge Scheduler schedule (default group) that starts find-daily',
      ],
      CursorSecretArn: [cursorSecret.secretArn, 'Secret holding the cursor HMAC key'],
      Timezone: [cfg.schedule.timezone, 'The time zone that defines "the day" (find-daily, the admin API)'],
      SegmentNames: [
        cfg.audiences.segments.map((seg) => seg.name).join(','),
        'The configured segments (sync-audiences materialises them; definitions address them)',
      ],
    };
    for (const [name, [value, description]] of Object.entries(outputs)) {
      new CfnOutput(this, name, { value, description });
    }
  }
}

/** The config field holding each function's sizing. */
const SIZING = {
  'find-daily': 'findDaily',
  generate: 'generate',
  'get-notifications': 'getNotifications',
  'update-notifications': 'updateNotifications',
  'manage-notifications': 'manageNotifications',
} as const;
