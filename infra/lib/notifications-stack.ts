import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { EnvConfig, FunctionSizing } from '../config/types';
import { createVpcFunction } from './function';
import { encryptedQueue } from './queue';
import { logRetention, removalPolicy } from './config-helpers';
import { allowLogsToUseKey, createKey, keyUseVia } from './kms';
import { GradualDeployments } from './monitoring-deployment';
import { apiAccessLogGroupName, resourcePrefix, type FunctionName } from './naming';

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

/** Path of the one API route, as API Gateway writes it in ARNs and resource policies. */
const ROUTE_ARN_PATH = 'GET/users/*/notifications';

/**
 * The notification system: keys, the Notifications table, the GenerateMessage queue and its DLQ,
 * the cursor secret, the three functions, the daily schedule and the REST API.
 *
 * Outputs (stable names used by scripts and the deployment tests): TableName,
 * GenerateQueueUrl, GenerateDlqUrl, GenerateDlqArn, MaxReceiveCount, DailyRunDlqUrl, FindDailyFunctionName,
 * GenerateFunctionName, GetNotificationsFunctionName, ApiId, ApiStageName, ApiUrl,
 * ScheduleName, CursorSecretArn.
 */
export class NotificationsStack extends Stack {
  readonly table: dynamodb.Table;
  readonly generateQueue: sqs.Queue;
  readonly generateDlq: sqs.Queue;
  readonly dailyRunDlq: sqs.Queue;
  readonly functions: Record<FunctionName, lambda.Function>;
  /** The `live` alias of each function: what the schedule, the event source and the API invoke. */
  readonly aliases: Record<FunctionName, lambda.Alias>;
  readonly api: apigw.RestApi;

  private readonly config: EnvConfig;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: NotificationsStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    this.config = cfg;
    this.prefix = resourcePrefix(cfg.name);

    // Separate keys per concern: a key policy never has to name a resource that itself depends
    // on the key (no cycles), and each role gets only the key of the data it touches.
    const logsKey = createKey(this, 'LogsKey', cfg, 'logs');
    allowLogsToUseKey(logsKey, [`/aws/lambda/${this.prefix}-*`, `/aws/apigateway/${this.prefix}-*`]);
    const tableKey = createKey(this, 'TableKey', cfg, 'table');
    const queueKey = createKey(this, 'QueueKey', cfg, 'queues');
    // Holds the cursor secret and the functions' environment variables.
    const configKey = createKey(this, 'ConfigKey', cfg, 'config');

    this.table = new dynamodb.Table(this, 'Table', {
      tableName: `${this.prefix}-notifications`,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: tableKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: cfg.data.deletionProtection,
      removalPolicy: removalPolicy(cfg),
    });

    this.generateDlq = encryptedQueue(
      this,
      'GenerateDlq',
      cfg,
      queueKey,
      'generate-dlq',
      cfg.queue.dlqRetentionDays,
    );
    this.generateQueue = encryptedQueue(
      this,
      'GenerateQueue',
      cfg,
      queueKey,
      'generate',
      cfg.queue.retentionDays,
      {
        // AWS's rule for Lambda event sources: at least 6x the function timeout, so a message is
        // not redelivered while a (retried) invocation still holds it.
        visibilityTimeout: Duration.seconds(6 * cfg.functions.generate.timeoutSeconds),
        deadLetterQueue: { queue: this.generateDlq, maxReceiveCount: cfg.queue.maxReceiveCount },
      },
    );
    // Receives the schedule's undeliverable events and find-daily's failed async invocations.
    this.dailyRunDlq = encryptedQueue(
      this,
      'DailyRunDlq',
      cfg,
      queueKey,
      'daily-run-dlq',
      cfg.queue.dlqRetentionDays,
    );
    Validations.of(this.dailyRunDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'DailyRunDlq is itself a dead-letter queue (EventBridge Scheduler target DLQ and find-daily async DLQ).',
    });

    const cursorSecret = new secretsmanager.Secret(this, 'CursorSecret', {
      secretName: `${this.prefix}/cursor-hmac-key`,
      description: 'HMAC key that signs get-notifications pagination cursors (64 random characters)',
      encryptionKey: configKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: removalPolicy(cfg),
    });
    Validations.of(cursorSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The cursor HMAC key has no rotation Lambda: rotating it invalidates every outstanding cursor ' +
        'and get-notifications reads it once at init; it is rotated by the documented manual procedure.',
    });

    const common = {
      vpc: props.vpc,
      securityGroup: props.functionsSecurityGroup,
      artifactDir: props.artifactDir,
      configKey,
      tableKey,
      logsKey,
    };

    const findDaily = this.createFunction('FindDaily', 'find-daily', cfg.functions.findDaily, common, {
      description: 'Daily run: queues one GenerateMessage per notification of the day',
      environment: {
        TABLE_NAME: this.table.tableName,
        QUEUE_URL: this.generateQueue.queueUrl,
        TIMEZONE: cfg.schedule.timezone,
      },
      statements: [
        this.tableStatement(
          ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
          ['DAY#*', 'RUN#*'],
        ),
        new iam.PolicyStatement({
          actions: ['sqs:SendMessage'],
          resources: [this.generateQueue.queueArn, this.dailyRunDlq.queueArn],
        }),
        keyUseVia(queueKey, ['kms:Decrypt', 'kms:GenerateDataKey'], 'sqs'),
      ],
    });
    // Async invocations (the schedule) that still fail after Lambda's retries are parked here.
    (findDaily.node.defaultChild as lambda.CfnFunction).deadLetterConfig = {
      targetArn: this.dailyRunDlq.queueArn,
    };

    const generate = this.createFunction('Generate', 'generate', cfg.functions.generate, common, {
      description: 'Consumes GenerateMessages: writes one inbox record per recipient',
      environment: {
        TABLE_NAME: this.table.tableName,
        QUEUE_URL: this.generateQueue.queueUrl,
        INBOX_TTL_DAYS: String(cfg.data.inboxTtlDays),
        MAX_PAGES_PER_INVOCATION: String(cfg.functions.maxPagesPerInvocation),
      },
      statements: [
        this.tableStatement(['dynamodb:BatchWriteItem', 'dynamodb:Query'], ['DAY#*', 'SEGMENT#*', 'USER#*']),
        new iam.PolicyStatement({
          // Receive/Delete/GetQueueAttributes: the SQS event source polls with this role.
          // SendMessage: continuation messages for segments larger than one invocation.
          actions: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage'],
          resources: [this.generateQueue.queueArn],
        }),
        keyUseVia(queueKey, ['kms:Decrypt', 'kms:GenerateDataKey'], 'sqs'),
      ],
    });
    // Callers invoke the `live` alias; CodeDeploy shifts it (monitoring-deployment.ts).
    const deployments = new GradualDeployments(this, cfg);
    const generateAlias = deployments.publish('Generate', 'generate', generate);
    new lambda.EventSourceMapping(this, 'GenerateQueueEventSource', {
      target: generateAlias,
      eventSourceArn: this.generateQueue.queueArn,
      batchSize: cfg.queue.batchSize,
      reportBatchItemFailures: true,
      maxConcurrency: cfg.queue.maxConcurrency,
    });

    const getNotifications = this.createFunction(
      'GetNotifications',
      'get-notifications',
      cfg.functions.getNotifications,
      common,
      {
        description: "API: a user's inbox, newest first, paginated with signed cursors",
        environment: { TABLE_NAME: this.table.tableName, CURSOR_SECRET_ARN: cursorSecret.secretArn },
        statements: [
          this.tableStatement(['dynamodb:Query'], ['USER#*']),
          new iam.PolicyStatement({
            actions: ['secretsmanager:GetSecretValue'],
            resources: [cursorSecret.secretArn],
          }),
          keyUseVia(configKey, ['kms:Decrypt'], 'secretsmanager'),
        ],
      },
    );

    this.functions = { 'find-daily': findDaily, generate, 'get-notifications': getNotifications };
    this.aliases = {
      'find-daily': deployments.publish('FindDaily', 'find-daily', findDaily),
      generate: generateAlias,
      'get-notifications': deployments.publish('GetNotifications', 'get-notifications', getNotifications),
    };

    const schedule = this.createSchedule(this.aliases['find-daily'], queueKey);
    this.api = this.createApi(this.aliases['get-notifications'], logsKey, props.executeApiEndpoint);

    const outputs: Record<string, [string, string]> = {
      TableName: [this.table.tableName, 'Notifications table'],
      GenerateQueueUrl: [this.generateQueue.queueUrl, 'GenerateMessage queue'],
      GenerateDlqUrl: [this.generateDlq.queueUrl, 'Dead-letter queue of the GenerateMessage queue'],
      // The redrive policy's parts, for emulators that ignore RedrivePolicy in templates.
      GenerateDlqArn: [this.generateDlq.queueArn, 'ARN of the GenerateMessage DLQ'],
      MaxReceiveCount: [
        String(cfg.queue.maxReceiveCount),
        'Receives before a GenerateMessage goes to the DLQ',
      ],
      DailyRunDlqUrl: [this.dailyRunDlq.queueUrl, 'Dead-letter queue of the schedule and find-daily'],
      FindDailyFunctionName: [findDaily.functionName, 'find-daily function'],
      GenerateFunctionName: [generate.functionName, 'generate function'],
      GetNotificationsFunctionName: [getNotifications.functionName, 'get-notifications function'],
      ApiId: [this.api.restApiId, 'REST API id'],
      ApiStageName: [this.api.deploymentStage.stageName, 'REST API stage'],
      ApiUrl: [this.api.url, 'REST API base URL (AWS form; MiniStack serves /_aws/execute-api/<id>/<stage>)'],
      ScheduleName: [schedule.ref, 'EventBridge Scheduler schedule (default group) that starts find-daily'],
      CursorSecretArn: [cursorSecret.secretArn, 'Secret holding the cursor HMAC key'],
    };
    for (const [name, [value, description]] of Object.entries(outputs)) {
      new CfnOutput(this, name, { value, description });
    }
  }

  /** Table access limited to items whose partition key starts with one of `keyPrefixes`. */
  private tableStatement(actions: string[], keyPrefixes: string[]): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions,
      resources: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': keyPrefixes } },
    });
  }

  private createFunction(
    id: string,
    name: FunctionName,
    sizing: FunctionSizing,
    common: {
      vpc: ec2.IVpc;
      securityGroup: ec2.ISecurityGroup;
      artifactDir: string;
      configKey: kms.IKey;
      tableKey: kms.IKey;
      logsKey: kms.IKey;
    },
    spec: { description: string; environment: Record<string, string>; statements: iam.PolicyStatement[] },
  ): lambda.Function {
    return createVpcFunction(this, id, this.config, {
      name,
      sizing,
      description: spec.description,
      vpc: common.vpc,
      securityGroups: [common.securityGroup],
      artifactDir: common.artifactDir,
      configKey: common.configKey,
      logsKey: common.logsKey,
      environment: spec.environment,
      statements: [
        // DynamoDB decrypts the table key with the caller's permission (via DynamoDB only).
        keyUseVia(common.tableKey, ['kms:Decrypt'], 'dynamodb'),
        ...spec.statements,
      ],
    });
  }

  /** EventBridge Scheduler schedule (timezone-aware) that invokes find-daily once a day. */
  private createSchedule(findDaily: lambda.IFunction, queueKey: kms.IKey): scheduler.CfnSchedule {
    const cfg = this.config;
    const role = new iam.Role(this, 'SchedulerRole', {
      description: `EventBridge Scheduler: invoke ${this.prefix}-find-daily, park failures in the DLQ`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      inlinePolicies: {
        InvokeFindDaily: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['lambda:InvokeFunction'],
              resources: [findDaily.functionArn],
            }),
            new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.dailyRunDlq.queueArn] }),
            keyUseVia(queueKey, ['kms:Decrypt', 'kms:GenerateDataKey'], 'sqs'),
          ],
        }),
      },
    });

    return new scheduler.CfnSchedule(this, 'DailySchedule', {
      name: `${this.prefix}-find-daily`,
      description: 'Starts the daily run of find-daily',
      scheduleExpression: cfg.schedule.expression,
      scheduleExpressionTimezone: cfg.schedule.timezone,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: findDaily.functionArn,
        roleArn: role.roleArn,
        // Scheduler substitutes the <aws.scheduler.*> placeholders at delivery time.
        input: JSON.stringify({
          source: 'aws.scheduler',
          scheduleArn: '<aws.scheduler.schedule-arn>',
          scheduledTime: '<aws.scheduler.scheduled-time>',
          executionId: '<aws.scheduler.execution-id>',
        }),
        retryPolicy: { maximumRetryAttempts: cfg.schedule.maxRetryAttempts, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: this.dailyRunDlq.queueArn },
      },
    });
  }

  private createApi(
    handler: lambda.IFunction,
    logsKey: kms.IKey,
    executeApiEndpoint: ec2.IInterfaceVpcEndpoint,
  ): apigw.RestApi {
    const cfg = this.config;
    const isPrivate = cfg.api.endpointType === 'PRIVATE';

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      logGroupName: apiAccessLogGroupName(cfg.name),
      encryptionKey: logsKey,
      retention: logRetention(cfg),
      removalPolicy: removalPolicy(cfg),
    });

    // API Gateway writes access logs with the account-level CloudWatch role (one per account and
    // region). Written here with exactly the access-log actions instead of the managed policy.
    const cloudWatchRole = new iam.Role(this, 'ApiGatewayCloudWatchRole', {
      description: 'API Gateway account role: write the access logs of this environment',
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      inlinePolicies: {
        WriteAccessLogs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: [
                'logs:CreateLogStream',
                'logs:DescribeLogGroups',
                'logs:DescribeLogStreams',
                'logs:PutLogEvents',
              ],
              resources: [accessLogs.logGroupArn],
            }),
          ],
        }),
      },
    });
    const account = new apigw.CfnAccount(this, 'ApiGatewayAccount', {
      cloudWatchRoleArn: cloudWatchRole.roleArn,
    });

    const statements = [
      new iam.PolicyStatement({
        principals: [new iam.AccountRootPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: [`execute-api:/${cfg.api.stageName}/${ROUTE_ARN_PATH}`],
      }),
    ];
    if (isPrivate) {
      statements.push(
        new iam.PolicyStatement({
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['execute-api:Invoke'],
          resources: ['execute-api:/*'],
          conditions: { StringNotEquals: { 'aws:SourceVpce': executeApiEndpoint.vpcEndpointId } },
        }),
      );
    }

    const api = new apigw.RestApi(this, 'Api', {
      restApiName: `${this.prefix}-api`,
      description: `daily-notifications ${cfg.name}: ${cfg.api.endpointType} (${cfg.api.endpointTypeReason})`,
      endpointConfiguration: {
        types: [isPrivate ? apigw.EndpointType.PRIVATE : apigw.EndpointType.REGIONAL],
        vpcEndpoints: isPrivate ? [executeApiEndpoint] : undefined,
      },
      policy: new iam.PolicyDocument({ statements }),
      cloudWatchRole: false,
      deployOptions: {
        stageName: cfg.api.stageName,
        throttlingRateLimit: cfg.api.throttlingRateLimit,
        throttlingBurstLimit: cfg.api.throttlingBurstLimit,
        // X-Ray tracing of requests: managed by API Gateway, needs no IAM grant.
        tracingEnabled: true,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
    });
    api.deploymentStage.node.addDependency(account);
    // RestApi always adds an "Endpoint" output with a hashed name; ApiUrl is the stable one.
    api.node.tryRemoveChild('Endpoint');
    Validations.of(api).acknowledge(
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'No WAF: the API is IAM-authorized, throttled per stage, and in AWS environments PRIVATE ' +
          '(reachable only through the execute-api VPC endpoint), so there is no anonymous or internet traffic to filter.',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason:
          'Execution logging is off on purpose: API Gateway writes it to a log group it creates itself ' +
          '(no CMK, no retention). JSON access logs (CMK, retention) and the function logs cover each request.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Callers are AWS principals of this account: the method uses AWS_IAM (SigV4) authorization, not Cognito.',
      },
    );

    // Every API Gateway-generated 4xx/5xx uses the same JSON error shape as the function.
    for (const [id, type] of [
      ['Default4xx', apigw.ResponseType.DEFAULT_4XX],
      ['Default5xx', apigw.ResponseType.DEFAULT_5XX],
    ] as const) {
      api.addGatewayResponse(id, {
        type,
        templates: {
          'application/json':
            '{"error":"$context.error.responseType","message":$context.error.messageString}',
        },
      });
    }

    const notifications = api.root.addResource('users').addResource('{userId}').addResource('notifications');
    notifications.addMethod(
      'GET',
      new apigw.LambdaIntegration(handler, { proxy: true, allowTestInvoke: false }),
      {
        authorizationType: apigw.AuthorizationType.IAM,
        requestParameters: {
          'method.request.path.userId': true,
          'method.request.querystring.limit': false,
          'method.request.querystring.cursor': false,
        },
        requestValidatorOptions: {
          requestValidatorName: `${this.prefix}-params`,
          validateRequestParameters: true,
          // GET has no body and no model; both flags on is what the nag rule recognizes.
          validateRequestBody: true,
        },
      },
    );
    return api;
  }
}
