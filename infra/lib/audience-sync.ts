import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { segmentsJson } from '../config/segments';
import type { EnvConfig } from '../config/types';
import { functionCode } from './artifacts';
import { functionRuntime, removalPolicy } from './config-helpers';
import { VpcFunction } from './constructs/function';
import { WorkQueue } from './constructs/queue';
import type { NotificationsTable } from './constructs/table';
import { keyUseVia } from './kms';
import { lambdaLogGroupName, resourcePrefix } from './naming';

export interface AudienceSyncProps {
  readonly config: EnvConfig;
  readonly vpc: ec2.IVpc;
  /** HTTPS to the endpoints and PostgreSQL in the VPC (the loader's group). */
  readonly securityGroup: ec2.ISecurityGroup;
  readonly artifactDir: string;
  /** The notifications table and its key (the notifications stack's). */
  readonly table: NotificationsTable;
  readonly tableKey: kms.IKey;
  readonly databaseSecret: secretsmanager.ISecret;
  /** Encrypts the secret, and the function's environment. */
  readonly databaseKey: kms.IKey;
  /** Encrypts the queue; S3 may already use it for the bucket's notifications. */
  readonly queueKey: kms.IKey;
  readonly logsKey: kms.IKey;
}

export interface AudienceSync {
  readonly fn: VpcFunction;
  readonly queue: WorkQueue;
}

/**
 * Adds sync-audiences and its queue to `scope`: after each load of the users dataset (the loader's outcome record
 * under loaded/, which exists only once the load committed), the segments and profiles that the
 * config's rules select from PostgreSQL are brought into the notifications table: additions,
 * changes and removals. One pass at a time; a pass continues across invocations by sending
 * itself a message.
 */
export function addAudienceSync(scope: Construct, props: AudienceSyncProps): AudienceSync {
  const cfg = props.config;
  const a = cfg.audiences;
  const prefix = resourcePrefix(cfg.name);
  const removal = removalPolicy(cfg);
  const work = new WorkQueue(scope, 'AudienceSyncQueue', {
    queueName: `${prefix}-audience-sync`,
    dlqName: `${prefix}-audience-sync-dlq`,
    key: props.queueKey,
    retentionDays: a.queue.retentionDays,
    dlqRetentionDays: a.queue.dlqRetentionDays,
    removalPolicy: removal,
    maxReceiveCount: a.queue.maxReceiveCount,
    consumerTimeoutSeconds: a.sync.timeoutSeconds,
    deadLetters: 'audience sync requests that kept failing (segments are stale)',
  });
  const queue = work.queue;
  const dp = cfg.dataPipeline;
  const fn = new VpcFunction(scope, 'SyncAudiences', {
    name: 'sync-audiences',
    functionName: `${prefix}-sync-audiences`,
    logGroupName: lambdaLogGroupName(cfg.name, 'sync-audiences'),
    description: 'Materialises segments and profiles from the users dataset into the notifications table',
    code: functionCode(props.artifactDir, 'sync-audiences'),
    sizing: a.sync,
    runtime: functionRuntime(cfg),
    vpc: props.vpc,
    securityGroups: [props.securityGroup],
    configKey: props.databaseKey,
    logsKey: props.logsKey,
    environment: {
      TABLE_NAME: props.table.table.tableName,
      QUEUE_URL: queue.queueUrl,
      DB_SECRET_ARN: props.databaseSecret.secretArn,
      DB_SSLMODE: dp.tls.sslMode,
      DB_SSLROOTCERT: dp.tls.rootCertPath,
      USERS_TABLE: 'public.users',
      SEGMENTS: segmentsJson(a),
    },
    statements: [
      // Members and profiles only; IAM cannot narrow USER#* to the PROFILE sort key.
      props.table.access(['dynamodb:BatchWriteItem'], ['SEGMENT#*', 'USER#*']),
      keyUseVia(props.tableKey, ['kms:Decrypt'], 'dynamodb'),
      new iam.PolicyStatement({
        // Receive/Delete/GetQueueAttributes: the event source; SendMessage: a pass continues.
        actions: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage'],
        resources: [queue.queueArn],
      }),
      keyUseVia(props.queueKey, ['kms:Decrypt', 'kms:GenerateDataKey'], 'sqs'),
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.databaseSecret.secretArn],
      }),
      keyUseVia(props.databaseKey, ['kms:Decrypt'], 'secretsmanager'),
    ],
  });
  // One message brings everything up to date: a batch of one keeps a failure to its message.
  work.feed(fn.invokable, { batchSize: 1, maxConcurrency: 2 });
  return { fn, queue: work };
}
