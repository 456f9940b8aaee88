import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV_NAMES, loadConfig } from '../config';
import { synthEnv, type CfnTemplate } from './support/synth';
import { ofType, one, refId, type Props } from './support/template-helpers';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
}

function dataTemplate(env: (typeof ENV_NAMES)[number]): CfnTemplate {
  return Template.fromStack(synthEnv(env).stacks.data).toJSON() as CfnTemplate;
}

function bucketNamed(t: CfnTemplate, fragment: string): [string, Props] {
  const found = ofType(t, 'AWS::S3::Bucket').find(([id]) => id.startsWith(fragment));
  expect(found, fragment).toBeDefined();
  return found!;
}

function policyOf(t: CfnTemplate, bucketId: string): Statement[] {
  const [, p] = ofType(t, 'AWS::S3::BucketPolicy').find(([, pp]) => refId(pp.Bucket) === bucketId)!;
  return (p.PolicyDocument as { Statement: Statement[] }).Statement;
}

const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe.each(ENV_NAMES)('data stack (%s)', (env) => {
  const cfg = loadConfig(env);
  const t = dataTemplate(env);
  const [bucketId, bucket] = bucketNamed(t, 'DataBucket');
  const statements = policyOf(t, bucketId);

  it('keeps the data bucket private, versioned, SSE-KMS with the data key, and logging its access', () => {
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const sse = (bucket.BucketEncryption as { ServerSideEncryptionConfiguration: Props[] })
      .ServerSideEncryptionConfiguration[0];
    expect(sse).toMatchObject({
      BucketKeyEnabled: true,
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' },
    });
    const keyRef = (sse.ServerSideEncryptionByDefault as Props).KMSMasterKeyID;
    expect(JSON.stringify(keyRef)).toContain('DataKey');
    const [logsId] = bucketNamed(t, 'AccessLogsBucket');
    expect(refId((bucket.LoggingConfiguration as Props).DestinationBucketName)).toBe(logsId);
  });

  it('expires incoming/ and rejected/ objects and old versions as the config says, and keeps loaded/', () => {
    const rules = (bucket.LifecycleConfiguration as { Rules: Props[] }).Rules;
    const byPrefix = Object.fromEntries(rules.map((r) => [r.Prefix, r]));
    const b = cfg.dataPipeline.bucket;
    expect(byPrefix['incoming/']).toMatchObject({
      ExpirationInDays: b.incomingExpirationDays,
      Status: 'Enabled',
    });
    expect(byPrefix['rejected/']).toMatchObject({
      ExpirationInDays: b.rejectedExpirationDays,
      Status: 'Enabled',
    });
    expect(byPrefix['loaded/'].ExpirationInDays).toBeUndefined();
    for (const r of rules) {
      expect(r.NoncurrentVersionExpiration).toEqual({ NoncurrentDays: b.noncurrentVersionExpirationDays });
    }
  });

  it('refuses plain HTTP on both buckets', () => {
    const [logsId] = bucketNamed(t, 'AccessLogsBucket');
    for (const id of [bucketId, logsId]) {
      const tls = policyOf(t, id).find((s) => s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
      expect(tls, id).toMatchObject({ Effect: 'Deny', Action: 's3:*' });
    }
  });

  it('refuses a PutObject that is not SSE-KMS with the data key', () => {
    const sse = statements.find((s) => s.Sid === 'DenyPutWithoutKms')!;
    expect(sse).toMatchObject({
      Effect: 'Deny',
      Action: 's3:PutObject',
      Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
    });
    const key = statements.find((s) => s.Sid === 'DenyPutWithOtherKey')!;
    expect(key.Effect).toBe('Deny');
    expect(JSON.stringify(key.Condition?.StringNotEquals)).toContain('DataKey');
  });

  it('reserves object data to the loader and uploader roles', () => {
    const s = statements.find((st) => st.Sid === 'DenyObjectAccessToOtherPrincipals')!;
    expect(s.Effect).toBe('Deny');
    expect(actions(s)).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject', 's3:DeleteObject']));
    const arns = JSON.stringify(s.Condition?.ArnNotEquals?.['aws:PrincipalArn']);
    expect(arns).toContain('LoaderRole');
    expect(arns).toContain('UploaderRole');
  });

  it(
    cfg.dataPipeline.vpcEndpointRestriction.enabled
      ? 'lets the loader touch objects only through the VPC S3 endpoint'
      : 'has no VPC endpoint restriction (config: off)',
    () => {
      const s = statements.find((st) => st.Sid === 'DenyLoaderOutsideTheVpcEndpoint');
      if (!cfg.dataPipeline.vpcEndpointRestriction.enabled) return expect(s).toBeUndefined();
      expect(s!.Effect).toBe('Deny');
      expect(JSON.stringify(s!.Condition?.ArnEquals)).toContain('LoaderRole');
      expect(JSON.stringify(s!.Condition?.StringNotEquals?.['aws:SourceVpce'])).toContain('S3Endpoint');
    },
  );

  const queues = ofType(t, 'AWS::SQS::Queue');
  const queueNamed = (suffix: string) => queues.find(([, p]) => String(p.QueueName).endsWith(suffix))!;
  const functionNamed = (name: string) =>
    ofType(t, 'AWS::Lambda::Function').find(([, p]) => String(p.FunctionName).endsWith(`-${name}`))!;
  const mappingOf = (functionId: string) =>
    ofType(t, 'AWS::Lambda::EventSourceMapping').find(([, p]) => refId(p.FunctionName) === functionId)?.[1];

  it('sends object-created events under incoming/ to the ingest queue, and users outcome records to the audience-sync queue, each with a DLQ', () => {
    const [ingestId, ingest] = queueNamed('-ingest');
    const [dlqId] = queueNamed('-ingest-dlq');
    expect(ingest.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: cfg.dataPipeline.queue.maxReceiveCount,
    });
    expect(ingest.VisibilityTimeout).toBe(6 * cfg.dataPipeline.loader.timeoutSeconds);
    const [syncId, sync] = queueNamed('-audience-sync');
    const [syncDlqId] = queueNamed('-audience-sync-dlq');
    expect(sync.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [syncDlqId, 'Arn'] },
      maxReceiveCount: cfg.audiences.queue.maxReceiveCount,
    });
    expect(sync.VisibilityTimeout).toBe(6 * cfg.audiences.sync.timeoutSeconds);
    const notification = (bucket.NotificationConfiguration as { QueueConfigurations: Props[] })
      .QueueConfigurations;
    expect(notification).toEqual([
      {
        Event: 's3:ObjectCreated:*',
        Queue: { 'Fn::GetAtt': [ingestId, 'Arn'] },
        Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'incoming/' }] } },
      },
      {
        Event: 's3:ObjectCreated:*',
        Queue: { 'Fn::GetAtt': [syncId, 'Arn'] },
        Filter: {
          S3Key: {
            Rules: [
              { Name: 'prefix', Value: 'loaded/users/' },
              { Name: 'suffix', Value: '.json' },
            ],
          },
        },
      },
    ]);
    for (const name of ['loader', 'sync-audiences']) {
      expect(mappingOf(functionNamed(name)[0]), name).toMatchObject({
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
  });

  it('runs the loader and sync-audiences in the isolated subnets with TLS settings and the secret from config', () => {
    for (const name of ['loader', 'sync-audiences']) {
      const [, fn] = functionNamed(name);
      expect(fn.Runtime, name).toBe('provided.al2023');
      const vars = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(vars.DB_SSLMODE, name).toBe(cfg.dataPipeline.tls.sslMode);
      expect(vars.DB_SSLROOTCERT, name).toBe(cfg.dataPipeline.tls.rootCertPath);
      expect(JSON.stringify(vars.DB_SECRET_ARN), name).toMatch(/Secret/);
      expect(JSON.stringify(fn.VpcConfig), name).toContain('isolatedSubnet');
    }
  });

  it('gives sync-audiences the segment rules of the config and the notifications table', () => {
    const [, fn] = functionNamed('sync-audiences');
    const vars = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.parse(String(vars.SEGMENTS))).toEqual(
      cfg.audiences.segments.map((seg) => ({
        name: seg.name,
        rule: seg.rule,
        ...(seg.marketing ? { marketing: true } : {}),
      })),
    );
    expect(vars.USERS_TABLE).toBe('public.users');
    expect(JSON.stringify(vars.TABLE_NAME)).toMatch(/ImportValue/);
  });

  const db = cfg.dataPipeline.database;
  if (db.kind === 'aurora') {
    it('runs Aurora PostgreSQL Serverless v2 encrypted with a CMK, TLS forced, backups and logs as configured', () => {
      const [, cluster] = one(t, 'AWS::RDS::DBCluster');
      expect(cluster).toMatchObject({
        Engine: 'aurora-postgresql',
        EngineVersion: db.engineVersion,
        StorageEncrypted: true,
        DeletionProtection: db.deletionProtection,
        BackupRetentionPeriod: db.backupRetentionDays,
        EnableCloudwatchLogsExports: ['postgresql'],
        ServerlessV2ScalingConfiguration: { MinCapacity: db.minCapacityAcu, MaxCapacity: db.maxCapacityAcu },
      });
      expect(JSON.stringify(cluster.KmsKeyId)).toContain('DatabaseKey');
      const [, params] = one(t, 'AWS::RDS::DBClusterParameterGroup');
      expect((params.Parameters as Props)['rds.force_ssl']).toBe('1');
      const instances = ofType(t, 'AWS::RDS::DBInstance');
      expect(instances).toHaveLength(1 + db.readers);
      for (const [id, i] of instances) {
        expect(i.PubliclyAccessible, id).toBe(false);
        expect(i.EnablePerformanceInsights, id).toBe(db.performanceInsights);
      }
    });

    it('admits PostgreSQL only from the database clients group', () => {
      const ingress = ofType(t, 'AWS::EC2::SecurityGroupIngress');
      expect(ingress).toHaveLength(1);
      expect(JSON.stringify(ingress[0][1].SourceSecurityGroupId)).toContain('DatabaseClientsSecurityGroup');
    });

    it('keeps the credentials in Secrets Manager (CMK) and rotates them', () => {
      const [, secret] = one(t, 'AWS::SecretsManager::Secret');
      expect(JSON.stringify(secret.KmsKeyId)).toContain('DatabaseKey');
      const [, rotation] = one(t, 'AWS::SecretsManager::RotationSchedule');
      expect(rotation.RotationRules).toMatchObject({ ScheduleExpression: `rate(${db.rotationDays} days)` });
    });
  } else {
    it('creates no database, only the external server secret with the same shape', () => {
      expect(ofType(t, 'AWS::RDS::DBCluster')).toEqual([]);
      const [, secret] = one(t, 'AWS::SecretsManager::Secret');
      const gen = secret.GenerateSecretString as { SecretStringTemplate: string; GenerateStringKey: string };
      expect(JSON.parse(gen.SecretStringTemplate)).toEqual({
        engine: 'postgres',
        host: db.host,
        port: db.port,
        dbname: db.dbname,
        username: db.username,
      });
      expect(gen.GenerateStringKey).toBe('password');
    });
  }
});
