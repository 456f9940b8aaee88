import { CfnOutput, Duration, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IDependable } from 'constructs';
import type { EnvConfig } from '../config/types';
import { functionCode } from './artifacts';
import { functionRuntime, logRetention, removalPolicy } from './config-helpers';
import { AccessLogBucket, DataBucket, DataBucketArns, INCOMING, LOADED, REJECTED } from './constructs/bucket';
import { AppStack } from './constructs/concern';
import { Database } from './constructs/database';
import { VpcFunction } from './constructs/function';
import { WorkQueue } from './constructs/queue';
import { addAudienceSync, type AudienceSync } from './audience-sync';
import type { NotificationsTable } from './constructs/table';
import { allowLogsToUseKey, createKey, keyUseVia } from './kms';
import { lambdaLogGroupName, resourcePrefix } from './naming';

export interface DataStackProps extends StackProps {
  readonly config: EnvConfig;
  readonly vpc: ec2.IVpc;
  /** HTTPS to the endpoints and PostgreSQL in the VPC: the loader and the rotation function. */
  readonly databaseClientsSecurityGroup: ec2.ISecurityGroup;
  readonly s3Endpoint: ec2.IGatewayVpcEndpoint;
  readonly secretsManagerEndpoint: ec2.IInterfaceVpcEndpoint;
  readonly artifactDir: string;
  /** The notifications table (and its key) that sync-audiences writes segments and profiles to. */
  readonly notificationsTable: NotificationsTable;
  readonly notificationsTableKey: kms.IKey;
}

/**
 * The CSV data pipeline: the data bucket (and its access-log bucket), the ingest queue and its
 * DLQ fed by the bucket's object-created notifications, the C++ loader, the uploader role, and
 * the database (Aurora PostgreSQL Serverless v2, or an external server's secret in `local`), and
 * sync-audiences with its queue (fed by the users dataset's outcome records).
 *
 * Outputs: DataBucketName, DataKeyArn, IngestQueueUrl, IngestDlqUrl, LoaderFunctionName,
 * UploaderRoleArn, DatabaseSecretArn, AudienceSyncQueueUrl, AudienceSyncDlqUrl,
 * SyncAudiencesFunctionName, and DatabaseEndpoint where Aurora exists.
 */
export class DataStack extends AppStack {
  readonly bucket: DataBucket;
  readonly ingest: WorkQueue;
  readonly loader: VpcFunction;
  readonly uploaderRole: iam.Role;
  readonly database: Database;
  readonly audienceSync: AudienceSync;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    const dp = cfg.dataPipeline;
    const prefix = resourcePrefix(cfg.name);
    const removal = removalPolicy(cfg);

    // One key per concern: objects, queues, database (storage, secret, Performance Insights),
    // logs. The queue key names the bucket by its constructed ARN, so there is no cycle.
    const dataKey = createKey(this, 'DataKey', cfg, 'data');
    const ingestKey = createKey(this, 'IngestKey', cfg, 'ingest-queues');
    const databaseKey = createKey(this, 'DatabaseKey', cfg, 'database');
    const logsKey = createKey(this, 'DataLogsKey', cfg, 'data-logs');
    allowLogsToUseKey(logsKey, [
      `/aws/lambda/${prefix}-loader`,
      `/aws/lambda/${prefix}-sync-audiences`,
      `/aws/rds/cluster/${prefix}-db/*`,
    ]);

    const arns = new DataBucketArns(this, `${prefix}-data-${this.account}`);

    this.ingest = new WorkQueue(this, 'IngestQueue', {
      queueName: `${prefix}-ingest`,
      dlqName: `${prefix}-ingest-dlq`,
      key: ingestKey,
      retentionDays: dp.queue.retentionDays,
      dlqRetentionDays: dp.queue.dlqRetentionDays,
      removalPolicy: removal,
      maxReceiveCount: dp.queue.maxReceiveCount,
      consumerTimeoutSeconds: dp.loader.timeoutSeconds,
      deadLetters: 'CSV files whose load kept failing',
    });
    const ingestQueue = this.ingest.queue;

    this.database = new Database(this, 'Database', {
      config: dp.database,
      clusterIdentifier: `${prefix}-db`,
      secretName: `${prefix}/database`,
      databaseName: 'daily_notifications',
      key: databaseKey,
      logsKey,
      logRetention: logRetention(cfg),
      removalPolicy: removal,
      vpc: props.vpc,
      clientsSecurityGroup: props.databaseClientsSecurityGroup,
      secretsManagerEndpoint: props.secretsManagerEndpoint,
      environmentName: cfg.name,
    });
    this.audienceSync = addAudienceSync(this, {
      config: cfg,
      vpc: props.vpc,
      securityGroup: props.databaseClientsSecurityGroup,
      artifactDir: props.artifactDir,
      table: props.notificationsTable,
      tableKey: props.notificationsTableKey,
      databaseSecret: this.database.secret,
      databaseKey,
      queueKey: ingestKey,
      logsKey,
    });
    const audienceQueue = this.audienceSync.queue.queue;
    const s3Notifications = this.admitBucketNotifications(arns, ingestKey, [ingestQueue, audienceQueue]);

    this.loader = this.createLoader(props, arns, {
      data: dataKey,
      ingest: ingestKey,
      database: databaseKey,
      logs: logsKey,
    });
    arns.acknowledgePrefixGrants(this.loader.role);
    // One object per invocation: a load can take most of the timeout.
    this.ingest.feed(this.loader.invokable, { batchSize: 1, maxConcurrency: dp.maxConcurrency });

    this.uploaderRole = this.createUploaderRole(prefix, arns, dataKey);
    arns.acknowledgePrefixGrants(this.uploaderRole);

    const b = dp.bucket;
    const accessLogs = new AccessLogBucket(this, 'AccessLogsBucket', {
      bucketName: `${prefix}-data-access-logs-${this.account}`,
      expirationDays: b.accessLogsExpirationDays,
      removalPolicy: removal,
    });
    this.bucket = new DataBucket(this, 'DataBucket', {
      arns,
      key: dataKey,
      accessLogs: accessLogs.bucket,
      incomingExpirationDays: b.incomingExpirationDays,
      rejectedExpirationDays: b.rejectedExpirationDays,
      noncurrentVersionExpirationDays: b.noncurrentVersionExpirationDays,
      removalPolicy: removal,
      objectRoles: [this.loader.role, this.uploaderRole],
      endpointOnly: dp.vpcEndpointRestriction.enabled
        ? { roles: [this.loader.role], endpoint: props.s3Endpoint }
        : undefined,
    });
    this.bucket.notifyOn(
      [
        { queue: ingestQueue, prefix: INCOMING },
        // The outcome record of a users load (written after COMMIT) starts a sync pass.
        { queue: audienceQueue, prefix: `${LOADED}${cfg.audiences.dataset}/`, suffix: '.json' },
      ],
      s3Notifications,
    );

    this.addOutputs(dataKey);
  }

  /** The loader: invoked by its event source directly (no `live` alias), a load is idempotent per object version. */
  private createLoader(
    props: DataStackProps,
    arns: DataBucketArns,
    keys: { data: kms.IKey; ingest: kms.IKey; database: kms.IKey; logs: kms.IKey },
  ): VpcFunction {
    const cfg = props.config;
    const dp = cfg.dataPipeline;
    const prefix = resourcePrefix(cfg.name);
    return new VpcFunction(this, 'Loader', {
      name: 'loader',
      functionName: `${prefix}-loader`,
      logGroupName: lambdaLogGroupName(cfg.name, 'loader'),
      description: 'Loads CSV objects from the data bucket into PostgreSQL (validation, rejects, ledger)',
      code: functionCode(props.artifactDir, 'loader'),
      sizing: dp.loader,
      runtime: functionRuntime(cfg),
      vpc: props.vpc,
      securityGroups: [props.databaseClientsSecurityGroup],
      configKey: keys.database,
      logsKey: keys.logs,
      environment: {
        DB_SECRET_ARN: this.database.secret.secretArn,
        DB_SSLMODE: dp.tls.sslMode,
        DB_SSLROOTCERT: dp.tls.rootCertPath,
        KMS_KEY_ID: keys.data.keyArn,
        DEFAULT_DATASET: 'users',
        MAX_OBJECT_BYTES: String(dp.load.maxObjectBytes),
        HTTP_REQUEST_TIMEOUT_MS: String(dp.load.requestTimeoutMs),
      },
      statements: this.loaderStatements(arns, keys),
    });
  }

  /** Whoever uploads CSVs (people, CI) assumes this role: put into incoming/, read the outcome. */
  private createUploaderRole(prefix: string, arns: DataBucketArns, dataKey: kms.IKey): iam.Role {
    return new iam.Role(this, 'UploaderRole', {
      roleName: `${prefix}-csv-uploader`,
      description: 'Uploads CSVs to incoming/ (SSE-KMS) and reads load outcomes and rejects',
      assumedBy: new iam.AccountRootPrincipal(),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        Upload: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [arns.objects(INCOMING)] }),
            new iam.PolicyStatement({
              actions: ['s3:GetObject'],
              resources: [arns.objects(LOADED), arns.objects(REJECTED)],
            }),
            // A missing outcome answers 404 (not 403) while the load is still running.
            new iam.PolicyStatement({
              actions: ['s3:ListBucket'],
              resources: [arns.bucketArn],
              conditions: { StringLike: { 's3:prefix': [`${LOADED}*`, `${REJECTED}*`] } },
            }),
            keyUseVia(dataKey, ['kms:Decrypt', 'kms:GenerateDataKey'], 's3'),
          ],
        }),
      },
    });
  }

  /**
   * S3 sends object-created events to the encrypted ingest queue: a queue policy and a key policy
   * statement, both pinned to this bucket of this account (confused-deputy guard).
   */
  private admitBucketNotifications(
    arns: DataBucketArns,
    queueKey: kms.IKey,
    queues: readonly sqs.IQueue[],
  ): IDependable[] {
    const fromThisBucket = {
      ArnLike: { 'aws:SourceArn': arns.bucketArn },
      StringEquals: { 'aws:SourceAccount': this.account },
    };
    const ready = queues.map((queue) => {
      const added = queue.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [queue.queueArn],
          conditions: fromThisBucket,
        }),
      );
      return added.policyDependable ?? queue;
    });
    queueKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowS3NotificationsFromTheDataBucket',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: fromThisBucket,
      }),
    );
    return ready;
  }

  /** The stack's outputs (the tools and the deployment tests read them). */
  private addOutputs(dataKey: kms.IKey): void {
    const outputs: Record<string, [string, string]> = {
      DataBucketName: [this.bucket.bucket.bucketName, 'Data bucket (incoming/, rejected/, loaded/)'],
      DataKeyArn: [dataKey.keyArn, 'KMS key every object in the data bucket must be encrypted with'],
      IngestQueueUrl: [this.ingest.queue.queueUrl, 'Object-created events for the loader'],
      IngestDlqUrl: [this.ingest.dlq.queueUrl, 'Loads that kept failing'],
      LoaderFunctionName: [this.loader.fn.functionName, 'CSV loader function'],
      UploaderRoleArn: [this.uploaderRole.roleArn, 'Role that may upload CSVs and read outcomes'],
      AudienceSyncQueueUrl: [
        this.audienceSync.queue.queue.queueUrl,
        'Requests to bring the segments up to date',
      ],
      AudienceSyncDlqUrl: [this.audienceSync.queue.dlq.queueUrl, 'Audience sync requests that kept failing'],
      SyncAudiencesFunctionName: [this.audienceSync.fn.fn.functionName, 'sync-audiences function'],
      DatabaseSecretArn: [
        this.database.secret.secretArn,
        'Database connection secret (host, port, dbname, username, password)',
      ],
    };
    const cluster = this.database.cluster;
    if (cluster) outputs.DatabaseEndpoint = [cluster.clusterEndpoint.hostname, 'Aurora writer endpoint'];
    for (const [name, [value, description]] of Object.entries(outputs)) {
      new CfnOutput(this, name, { value, description });
    }
  }

  /** What the loader may do: read its object versions, write outcomes, consume the ingest queue, read the database secret. */
  private loaderStatements(
    arns: DataBucketArns,
    keys: { data: kms.IKey; ingest: kms.IKey; database: kms.IKey },
  ): iam.PolicyStatement[] {
    return [
      // GetObjectVersion: the loader reads exactly the version its event names.
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [arns.objects(INCOMING)],
      }),
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [arns.objects(REJECTED), arns.objects(LOADED)],
      }),
      keyUseVia(keys.data, ['kms:Decrypt', 'kms:GenerateDataKey'], 's3'),
      new iam.PolicyStatement({
        actions: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
        resources: [this.ingest.queue.queueArn],
      }),
      keyUseVia(keys.ingest, ['kms:Decrypt'], 'sqs'),
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.database.secret.secretArn],
      }),
      keyUseVia(keys.database, ['kms:Decrypt'], 'secretsmanager'),
    ];
  }
}
