import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { DatabaseConfig } from '../../config/types';
import { Concern } from './concern';

export interface DatabaseProps {
  readonly config: DatabaseConfig;
  /** Cluster identifier (`<prefix>-db`) and secret name (`<prefix>/database`). */
  readonly clusterIdentifier: string;
  readonly secretName: string;
  readonly databaseName: string;
  /** Encrypts the storage, the secret and Performance Insights. */
  readonly key: kms.IKey;
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly vpc: ec2.IVpc;
  /** The database admits PostgreSQL from this group only (the loader and the secret rotation). */
  readonly clientsSecurityGroup: ec2.ISecurityGroup;
  readonly secretsManagerEndpoint: ec2.IInterfaceVpcEndpoint;
  /** Environment name, for the reason of a finding the config accepts. */
  readonly environmentName: string;
}

/**
 * The loader's PostgreSQL: Aurora PostgreSQL Serverless v2 in the isolated subnets (TLS forced,
 * CMK, logs to an encrypted group, admin secret rotated), or, for a server the stack does not
 * manage (`kind: 'external'`), only its connection secret of the same shape.
 *
 * Outputs: `secret`; `cluster` and `clusterIdentifier` where Aurora exists.
 */
export class Database extends Concern {
  readonly secret: secretsmanager.ISecret;
  readonly cluster?: rds.DatabaseCluster;
  /** Literal cluster identifier where Aurora exists: the monitoring stack addresses metrics by it. */
  readonly clusterIdentifier?: string;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const db = props.config;
    if (db.kind === 'external') {
      this.secret = this.externalSecret(db, props);
      return;
    }
    this.clusterIdentifier = props.clusterIdentifier;
    this.cluster = this.aurora(db, props);
    this.secret = this.cluster.secret!;
  }

  /** Same shape as Aurora's; the password is generated here and the local scripts give it to the server. */
  private externalSecret(
    db: DatabaseConfig & { kind: 'external' },
    props: DatabaseProps,
  ): secretsmanager.ISecret {
    const secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: props.secretName,
      description: `PostgreSQL connection of the loader (${db.reason})`,
      encryptionKey: props.key,
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
      removalPolicy: props.removalPolicy,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: `No rotation for a server the stack does not manage: ${db.reason}`,
    });
    return secret;
  }

  private aurora(db: DatabaseConfig & { kind: 'aurora' }, props: DatabaseProps): rds.DatabaseCluster {
    const engine = rds.DatabaseClusterEngine.auroraPostgres({
      version: rds.AuroraPostgresEngineVersion.of(db.engineVersion, db.engineVersion.split('.')[0]),
    });
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'daily-notifications database: PostgreSQL from its clients only',
      allowAllOutbound: false,
    });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
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
        performanceInsightEncryptionKey: db.performanceInsights ? props.key : undefined,
        autoMinorVersionUpgrade: true,
        publiclyAccessible: false,
      });
    const cluster = new rds.DatabaseCluster(this, 'Default', {
      engine,
      clusterIdentifier: props.clusterIdentifier,
      defaultDatabaseName: props.databaseName,
      credentials: rds.Credentials.fromGeneratedSecret('dn_admin', {
        secretName: props.secretName,
        encryptionKey: props.key,
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
      storageEncryptionKey: props.key,
      backup: { retention: Duration.days(db.backupRetentionDays) },
      deletionProtection: db.deletionProtection,
      cloudwatchLogsExports: ['postgresql'],
      iamAuthentication: true,
      copyTagsToSnapshot: true,
      removalPolicy:
        props.removalPolicy === RemovalPolicy.RETAIN ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    });
    // RDS's subnet group describes itself by the cluster's construct id; keep the concern's.
    (cluster.node.findChild('Subnets').node.defaultChild as rds.CfnDBSubnetGroup).dbSubnetGroupDescription =
      `Subnets for ${this.node.id} database`;
    // Created here (not by RDS) so it has the CMK and the environment's retention.
    const postgresLogs = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/rds/cluster/${props.clusterIdentifier}/postgresql`,
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    cluster.node.addDependency(postgresLogs);
    if (!db.deletionProtection) {
      Validations.of(cluster).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: `Deletion protection is off in ${props.environmentName} by its config: the environment is rebuilt from code and backups.`,
      });
    }
    // The one ingress rule: PostgreSQL from the clients' group (the rotation below reuses it).
    cluster.connections.allowDefaultPortFrom(
      props.clientsSecurityGroup,
      'PostgreSQL from the loader and the secret rotation function',
    );
    cluster.addRotationSingleUser({
      automaticallyAfter: Duration.days(db.rotationDays),
      securityGroup: props.clientsSecurityGroup,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      endpoint: props.secretsManagerEndpoint,
    });
    Validations.of(cluster).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        "The default PostgreSQL port is kept: the database is reachable only from its clients' security group in isolated subnets.",
    });
    return cluster;
  }
}
