import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { EnvConfig } from '../config/types';
import { days, logRetention, removalPolicy } from './config-helpers';
import { createVpcFunction } from './function';
import { encryptedQueue } from './queue';
import { allowLogsToUseKey, createKey, keyUseVia } from './kms';
import { resourcePrefix } from './naming';

export interface DataStackProps extends StackProps {
  readonly config: EnvConfig;
  readonly vpc: ec2.IVpc;
  /** HTTPS to the endpoints and PostgreSQL in the VPC: the loader and the rotation function. */
  readonly databaseClientsSecurityGroup: ec2.ISecurityGroup;
  readonly s3Endpoint: ec2.IGatewayVpcEndpoint;
  readonly secretsManagerEndpoint: ec2.IInterfaceVpcEndpoint;
  readonly artifactDir: string;
}

/** Prefixes of the data bucket (docs/DATA_PIPELINE.md). */
const INCOMING = 'incoming/';
const REJECTED = 'rejected/';
const LOADED = 'loaded/';

/** Object actions the bucket policy reserves to the loader and uploader roles. */
const OBJECT_DATA_ACTIONS = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:GetObject',
  's3:GetObjectVersion',
  's3:PutObject',
];

/**
 * The CSV data pipeline: the data bucket (and its access-log bucket), the ingest queue and its
 * DLQ fed by the bucket's object-created notifications, the C++ loader, the uploader role, and
 * the database (Aurora PostgreSQL Serverless v2, or an external server's secret in `local`).
 *
 * Outputs: DataBucketName, DataKeyArn, IngestQueueUrl, IngestDlqUrl, LoaderFunctionName,
 * UploaderRoleArn, DatabaseSecretArn, and DatabaseEndpoint where Aurora exists.
 */
export class DataStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly ingestQueue: sqs.Queue;
  readonly ingestDlq: sqs.Queue;
  readonly loader: lambda.Function;
  readonly uploaderRole: iam.Role;
  readonly databaseSecret: secretsmanager.ISecret;
  readonly cluster?: rds.DatabaseCluster;

  private readonly config: EnvConfig;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    const dp = cfg.dataPipeline;
    this.config = cfg;
    this.prefix = resourcePrefix(cfg.name);

    // One key per concern: objects, queues, database (storage, secret, Performance Insights),
    // logs. The queue key names the bucket by its constructed ARN, so there is no cycle.
    const dataKey = createKey(this, 'DataKey', cfg, 'data');
    const ingestKey = createKey(this, 'IngestKey', cfg, 'ingest-queues');
    const databaseKey = createKey(this, 'DatabaseKey', cfg, 'database');
    const logsKey = createKey(this, 'DataLogsKey', cfg, 'data-logs');
    allowLogsToUseKey(logsKey, [`/aws/lambda/${this.prefix}-loader`, `/aws/rds/cluster/${this.prefix}-db/*`]);

    const bucketName = `${this.prefix}-data-${this.account}`;
    const bucketArn = `arn:${this.partition}:s3:::${bucketName}`;

    this.ingestDlq = encryptedQueue(
      this,
      'IngestDlq',
      cfg,
      ingestKey,
      'ingest-dlq',
      dp.queue.dlqRetentionDays,
    );
    Validations.of(this.ingestDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'IngestDlq is itself the dead-letter queue of the ingest queue.',
    });
    this.ingestQueue = encryptedQueue(this, 'IngestQueue', cfg, ingestKey, 'ingest', dp.queue.retentionDays, {
      // AWS's rule for Lambda event sources: at least 6x the function timeout.
      visibilityTimeout: Duration.seconds(6 * dp.loader.timeoutSeconds),
      deadLetterQueue: { queue: this.ingestDlq, maxReceiveCount: dp.queue.maxReceiveCount },
    });
    // S3 sends object-created events to the encrypted queue: queue policy and key policy, both
    // pinned to this bucket of this account (confused-deputy guard).
    const fromThisBucket = {
      ArnLike: { 'aws:SourceArn': bucketArn },
      StringEquals: { 'aws:SourceAccount': this.account },
    };
    const s3Notifications = this.ingestQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.ingestQueue.queueArn],
        conditions: fromThisBucket,
      }),
    );
    ingestKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowS3NotificationsFromTheDataBucket',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: fromThisBucket,
      }),
    );

    const database = this.createDatabase(databaseKey, logsKey, props);
    this.databaseSecret = database.secret;
    this.cluster = database.cluster;

    this.loader = createVpcFunction(this, 'Loader', cfg, {
      name: 'loader',
      sizing: dp.loader,
      description: 'Loads CSV objects from the data bucket into PostgreSQL (validation, rejects, ledger)',
      vpc: props.vpc,
      securityGroups: [props.databaseClientsSecurityGroup],
      artifactDir: props.artifactDir,
      configKey: databaseKey,
      logsKey,
      environment: {
        DB_SECRET_ARN: this.databaseSecret.secretArn,
        DB_SSLMODE: dp.tls.sslMode,
        DB_SSLROOTCERT: dp.tls.rootCertPath,
        KMS_KEY_ID: dataKey.keyArn,
        DEFAULT_DATASET: 'users',
      },
      statements: [
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`${bucketArn}/${INCOMING}*`] }),
        new iam.PolicyStatement({
          actions: ['s3:PutObject'],
          resources: [`${bucketArn}/${REJECTED}*`, `${bucketArn}/${LOADED}*`],
        }),
        keyUseVia(dataKey, ['kms:Decrypt', 'kms:GenerateDataKey'], 's3'),
        new iam.PolicyStatement({
          actions: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
          resources: [this.ingestQueue.queueArn],
        }),
        keyUseVia(ingestKey, ['kms:Decrypt'], 'sqs'),
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [this.databaseSecret.secretArn],
        }),
        keyUseVia(databaseKey, ['kms:Decrypt'], 'secretsmanager'),
      ],
    });
    this.acknowledgePrefixGrants(this.loader.role!, bucketArn);
    new lambda.EventSourceMapping(this, 'IngestQueueEventSource', {
      target: this.loader,
      eventSourceArn: this.ingestQueue.queueArn,
      // One object per invocation: a load can take most of the timeout.
      batchSize: 1,
      reportBatchItemFailures: true,
      maxConcurrency: dp.maxConcurrency,
    });

    // Whoever uploads CSVs (people, CI) assumes this role: put into incoming/, read the outcome.
    this.uploaderRole = new iam.Role(this, 'UploaderRole', {
      roleName: `${this.prefix}-csv-uploader`,
      description: 'Uploads CSVs to incoming/ (SSE-KMS) and reads load outcomes and rejects',
      assumedBy: new iam.AccountRootPrincipal(),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        Upload: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [`${bucketArn}/${INCOMING}*`] }),
            new iam.PolicyStatement({
              actions: ['s3:GetObject'],
              resources: [`${bucketArn}/${LOADED}*`, `${bucketArn}/${REJECTED}*`],
            }),
            // A missing outcome answers 404 (not 403) while the load is still running.
            new iam.PolicyStatement({
              actions: ['s3:ListBucket'],
              resources: [bucketArn],
              conditions: { StringLike: { 's3:prefix': [`${LOADED}*`, `${REJECTED}*`] } },
            }),
            keyUseVia(dataKey, ['kms:Decrypt', 'kms:GenerateDataKey'], 's3'),
          ],
        }),
      },
    });

    this.acknowledgePrefixGrants(this.uploaderRole, bucketArn);

    this.bucket = this.createBucket(bucketName, dataKey, props.s3Endpoint);
    this.bucket.node.addDependency(s3Notifications.policyDependable ?? this.ingestQueue);
    // S3 checks that it may send to the queue when the configuration is written.
    (this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      queueConfigurations: [
        {
          event: 's3:ObjectCreated:*',
          queue: this.ingestQueue.queueArn,
          filter: { s3Key: { rules: [{ name: 'prefix', value: INCOMING }] } },
        },
      ],
    };

    const outputs: Record<string, [string, string]> = {
      DataBucketName: [this.bucket.bucketName, 'Data bucket (incoming/, rejected/, loaded/)'],
      DataKeyArn: [dataKey.keyArn, 'KMS key every object in the data bucket must be encrypted with'],
      IngestQueueUrl: [this.ingestQueue.queueUrl, 'Object-created events for the loader'],
      IngestDlqUrl: [this.ingestDlq.queueUrl, 'Loads that kept failing'],
      LoaderFunctionName: [this.loader.functionName, 'CSV loader function'],
      UploaderRoleArn: [this.uploaderRole.roleArn, 'Role that may upload CSVs and read outcomes'],
      DatabaseSecretArn: [
        this.databaseSecret.secretArn,
        'Database connection secret (host, port, dbname, username, password)',
      ],
    };
    if (this.cluster) {
      outputs.DatabaseEndpoint = [this.cluster.clusterEndpoint.hostname, 'Aurora writer endpoint'];
    }
    for (const [name, [value, description]] of Object.entries(outputs)) {
      new CfnOutput(this, name, { value, description });
    }
  }

  /** The Aurora cluster with its generated, rotated secret; or the external server's secret. */
  private createDatabase(
    key: kms.IKey,
    logsKey: kms.IKey,
    props: DataStackProps,
  ): { secret: secretsmanager.ISecret; cluster?: rds.DatabaseCluster } {
    const cfg = this.config;
    const db = cfg.dataPipeline.database;
    if (db.kind === 'external') {
      // Same shape as the Aurora secret; the password is generated here and the local scripts
      // give it to the server (scripts/local/postgres.sh), so it never appears in code.
      const secret = new secretsmanager.Secret(this, 'DatabaseSecret', {
        secretName: `${this.prefix}/database`,
        description: `PostgreSQL connection of the loader (${db.reason})`,
        encryptionKey: key,
        generateSecretString: {
          secretStringTemplate: JSON.stringify({
            engine: 'postgres',
            host: db.host,
            port: db.port,
            dbname: db.dbname,
            username: db.username,
          }),
          generateStringKey: 'password',
          passwordLength: 32,
          excludePunctuation: true,
        },
        removalPolicy: removalPolicy(cfg),
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: `No rotation for a server the stack does not manage: ${db.reason}`,
      });
      return { secret };
    }

    const securityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc: props.vpc,
      description: 'daily-notifications database: PostgreSQL from its clients only',
      allowAllOutbound: false,
    });

    const parameterGroup = new rds.ParameterGroup(this, 'DatabaseParameters', {
      engine: this.engine(db.engineVersion),
      description: 'daily-notifications: TLS only, connection and slow statement logging',
      parameters: {
        'rds.force_ssl': '1',
        log_connections: '1',
        log_disconnections: '1',
        log_min_duration_statement: '5000',
        log_lock_waits: '1',
      },
    });

    const instance = (name: string, scaleWithWriter = false) =>
      rds.ClusterInstance.serverlessV2(name, {
        scaleWithWriter,
        enablePerformanceInsights: db.performanceInsights,
        performanceInsightEncryptionKey: db.performanceInsights ? key : undefined,
        autoMinorVersionUpgrade: true,
        publiclyAccessible: false,
      });
    const cluster = new rds.DatabaseCluster(this, 'Database', {
      engine: this.engine(db.engineVersion),
      clusterIdentifier: `${this.prefix}-db`,
      defaultDatabaseName: 'daily_notifications',
      credentials: rds.Credentials.fromGeneratedSecret('dn_admin', {
        secretName: `${this.prefix}/database`,
        encryptionKey: key,
        excludeCharacters: ' %+~`#$&*()|[]{}:;<>?!\'/@"\\',
      }),
      writer: instance('writer'),
      // Readers scale with the writer so a failover lands on an instance of the same size.
      readers: Array.from({ length: db.readers }, (_, i) => instance(`reader${i + 1}`, true)),
      serverlessV2MinCapacity: db.minCapacityAcu,
      serverlessV2MaxCapacity: db.maxCapacityAcu,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [securityGroup],
      parameterGroup,
      storageEncrypted: true,
      storageEncryptionKey: key,
      backup: { retention: days(db.backupRetentionDays) },
      deletionProtection: db.deletionProtection,
      cloudwatchLogsExports: ['postgresql'],
      iamAuthentication: true,
      copyTagsToSnapshot: true,
      removalPolicy: cfg.removalPolicy === 'retain' ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    });
    // Created here (not by RDS) so it has the CMK and the environment's retention.
    const postgresLogs = new logs.LogGroup(this, 'DatabaseLogs', {
      logGroupName: `/aws/rds/cluster/${this.prefix}-db/postgresql`,
      encryptionKey: logsKey,
      retention: logRetention(cfg),
      removalPolicy: removalPolicy(cfg),
    });
    cluster.node.addDependency(postgresLogs);
    if (!db.deletionProtection) {
      Validations.of(cluster).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: `Deletion protection is off in ${cfg.name} by its config: the environment is rebuilt from code and backups.`,
      });
    }
    // The one ingress rule: PostgreSQL from the clients' group (the rotation below reuses it).
    cluster.connections.allowDefaultPortFrom(
      props.databaseClientsSecurityGroup,
      'PostgreSQL from the loader and the secret rotation function',
    );
    cluster.addRotationSingleUser({
      automaticallyAfter: days(db.rotationDays),
      securityGroup: props.databaseClientsSecurityGroup,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      endpoint: props.secretsManagerEndpoint,
    });
    Validations.of(cluster).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        "The default PostgreSQL port is kept: the database is reachable only from its clients' security group in isolated subnets.",
    });
    return { secret: cluster.secret!, cluster };
  }

  private engine(version: string): rds.IClusterEngine {
    return rds.DatabaseClusterEngine.auroraPostgres({
      version: rds.AuroraPostgresEngineVersion.of(version, version.split('.')[0]),
    });
  }

  private createBucket(bucketName: string, key: kms.IKey, s3Endpoint: ec2.IGatewayVpcEndpoint): s3.Bucket {
    const cfg = this.config;
    const b = cfg.dataPipeline.bucket;
    // S3 server access logs can only be delivered to a bucket encrypted with SSE-S3.
    const accessLogs = new s3.Bucket(this, 'AccessLogsBucket', {
      bucketName: `${this.prefix}-data-access-logs-${this.account}`,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { expiration: days(b.accessLogsExpirationDays), noncurrentVersionExpiration: days(1) },
      ],
      removalPolicy: removalPolicy(cfg),
    });
    // checkov reads skips from template metadata; this one applies to this bucket only.
    (accessLogs.node.defaultChild as s3.CfnBucket).addMetadata('checkov', {
      skip: [
        { id: 'CKV_AWS_18', comment: 'The access-log bucket itself: logging it elsewhere would recurse.' },
      ],
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the data bucket; logging its own access would loop.',
    });

    const bucket = new s3.Bucket(this, 'DataBucket', {
      bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'data/',
      lifecycleRules: [
        {
          id: 'incoming',
          prefix: INCOMING,
          expiration: days(b.incomingExpirationDays),
          noncurrentVersionExpiration: days(b.noncurrentVersionExpirationDays),
          abortIncompleteMultipartUploadAfter: days(1),
        },
        {
          id: 'rejected',
          prefix: REJECTED,
          expiration: days(b.rejectedExpirationDays),
          noncurrentVersionExpiration: days(b.noncurrentVersionExpirationDays),
        },
        // loaded/ (the outcome records) is kept: it is the record of what was loaded.
        {
          id: 'loaded-noncurrent',
          prefix: LOADED,
          noncurrentVersionExpiration: days(b.noncurrentVersionExpirationDays),
        },
      ],
      removalPolicy: removalPolicy(cfg),
    });

    const objects = `${bucket.bucketArn}/*`;
    // Every object is encrypted with this environment's key: no other SSE, no other key.
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyPutWithoutKms',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [objects],
        conditions: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
      }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyPutWithOtherKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [objects],
        conditions: { StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': key.keyArn } },
      }),
    );
    // Object data belongs to the loader and the uploader: nobody else reads or writes it.
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyObjectAccessToOtherPrincipals',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: OBJECT_DATA_ACTIONS,
        resources: [objects],
        conditions: {
          ArnNotEquals: { 'aws:PrincipalArn': [this.loader.role!.roleArn, this.uploaderRole.roleArn] },
        },
      }),
    );
    if (cfg.dataPipeline.vpcEndpointRestriction.enabled) {
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenyLoaderOutsideTheVpcEndpoint',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: OBJECT_DATA_ACTIONS,
          resources: [objects],
          conditions: {
            ArnEquals: { 'aws:PrincipalArn': this.loader.role!.roleArn },
            StringNotEquals: { 'aws:SourceVpce': s3Endpoint.vpcEndpointId },
          },
        }),
      );
    }
    return bucket;
  }

  /** Object grants end in `<prefix>*` by nature: a role may touch one folder of the bucket. */
  private acknowledgePrefixGrants(role: iam.IRole, bucketArn: string): void {
    const resources = [INCOMING, REJECTED, LOADED].map((prefix) => `${bucketArn}/${prefix}*`);
    for (const resource of resources) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${String(this.resolve(resource))}]`,
        reason:
          'Object-level grant limited to one prefix of the data bucket (S3 object ARNs name objects by key pattern).',
      });
    }
  }
}
