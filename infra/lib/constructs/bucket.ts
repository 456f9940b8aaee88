import { Duration, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IDependable } from 'constructs';
import { Concern } from './concern';

/** Prefixes of the data bucket (docs/DATA_PIPELINE.md). */
export const INCOMING = 'incoming/';
export const REJECTED = 'rejected/';
export const LOADED = 'loaded/';

/** Object actions the bucket policy reserves to the loader and uploader roles. */
const OBJECT_DATA_ACTIONS = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:GetObject',
  's3:GetObjectVersion',
  's3:PutObject',
];

const days = (n: number) => Duration.days(n);

/**
 * The data bucket's ARNs, built from its name: the roles and the ingest queue name the bucket
 * before it exists (the bucket policy names the roles, so a token would be a cycle).
 */
export class DataBucketArns {
  readonly bucketArn: string;

  constructor(
    scope: Construct,
    readonly bucketName: string,
  ) {
    this.bucketArn = `arn:${Stack.of(scope).partition}:s3:::${bucketName}`;
  }

  /** Every object under one prefix of the bucket. */
  objects(prefix: string): string {
    return `${this.bucketArn}/${prefix}*`;
  }

  /** cdk-nag flags `<prefix>*` object grants; acknowledges each, for `role`, one by one. */
  acknowledgePrefixGrants(role: iam.IRole): void {
    const stack = Stack.of(role);
    for (const prefix of [INCOMING, REJECTED, LOADED]) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${String(stack.resolve(this.objects(prefix)))}]`,
        reason:
          'Object-level grant limited to one prefix of the data bucket (S3 object ARNs name objects by key pattern).',
      });
    }
  }
}

export interface AccessLogBucketProps {
  readonly bucketName: string;
  readonly expirationDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/** The S3 server access log bucket (SSE-S3: the only encryption access logging supports). */
export class AccessLogBucket extends Concern {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Default', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: days(props.expirationDays), noncurrentVersionExpiration: days(1) }],
      removalPolicy: props.removalPolicy,
    });
    // checkov reads skips from template metadata; this one applies to this bucket only.
    (this.bucket.node.defaultChild as s3.CfnBucket).addMetadata('checkov', {
      skip: [
        { id: 'CKV_AWS_18', comment: 'The access-log bucket itself: logging it elsewhere would recurse.' },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the data bucket; logging its own access would loop.',
    });
  }
}

export interface DataBucketProps {
  readonly arns: DataBucketArns;
  /** Every object must be SSE-KMS with this key. */
  readonly key: kms.IKey;
  readonly accessLogs: s3.IBucket;
  readonly incomingExpirationDays: number;
  readonly rejectedExpirationDays: number;
  readonly noncurrentVersionExpirationDays: number;
  readonly removalPolicy: RemovalPolicy;
  /** The only principals that may read or write object data. */
  readonly objectRoles: readonly iam.IRole[];
  /** Roles whose object access must come through this gateway endpoint (none: no restriction). */
  readonly endpointOnly?: {
    readonly roles: readonly iam.IRole[];
    readonly endpoint: ec2.IGatewayVpcEndpoint;
  };
}

/**
 * The data bucket: versioned, private, SSE-KMS with one key, access-logged; incoming/ and rejected/
 * expire, loaded/ (the record of what was loaded) is kept. Its policy refuses any other encryption,
 * object access by any principal but `objectRoles`, and the `endpointOnly` roles' access from
 * outside the VPC endpoint. Outputs: `bucket`; `notifyOn` sends object-created events to queues.
 */
/** Object-created events under `prefix` (and ending in `suffix`) go to `queue`. */
export interface BucketNotification {
  readonly queue: sqs.IQueue;
  readonly prefix: string;
  readonly suffix?: string;
}

export class DataBucket extends Concern {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: DataBucketProps) {
    super(scope, id);
    const noncurrent = days(props.noncurrentVersionExpirationDays);
    const bucket = new s3.Bucket(this, 'Default', {
      bucketName: props.arns.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'data/',
      lifecycleRules: [
        {
          id: 'incoming',
          prefix: INCOMING,
          expiration: days(props.incomingExpirationDays),
          noncurrentVersionExpiration: noncurrent,
          abortIncompleteMultipartUploadAfter: days(1),
        },
        {
          id: 'rejected',
          prefix: REJECTED,
          expiration: days(props.rejectedExpirationDays),
          noncurrentVersionExpiration: noncurrent,
        },
        // loaded/ (the outcome records) is kept: it is the record of what was loaded.
        { id: 'loaded-noncurrent', prefix: LOADED, noncurrentVersionExpiration: noncurrent },
      ],
      removalPolicy: props.removalPolicy,
    });
    this.bucket = bucket;

    const objects = `${bucket.bucketArn}/*`;
    const deny = (sid: string, actions: string[], conditions: Record<string, unknown>) =>
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions,
          resources: [objects],
          conditions,
        }),
      );
    // Every object is encrypted with this environment's key: no other SSE, no other key.
    deny('DenyPutWithoutKms', ['s3:PutObject'], {
      StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
    });
    deny('DenyPutWithOtherKey', ['s3:PutObject'], {
      StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': props.key.keyArn },
    });
    // Object data belongs to the object roles: nobody else reads or writes it.
    deny('DenyObjectAccessToOtherPrincipals', OBJECT_DATA_ACTIONS, {
      ArnNotEquals: { 'aws:PrincipalArn': props.objectRoles.map((r) => r.roleArn) },
    });
    if (props.endpointOnly) {
      const roles = props.endpointOnly.roles.map((r) => r.roleArn);
      deny('DenyLoaderOutsideTheVpcEndpoint', OBJECT_DATA_ACTIONS, {
        ArnEquals: { 'aws:PrincipalArn': roles.length === 1 ? roles[0] : roles },
        StringNotEquals: { 'aws:SourceVpce': props.endpointOnly.endpoint.vpcEndpointId },
      });
    }
  }

  /**
   * Object-created events of each target's prefix go to its queue. S3 checks that it may send to
   * the queues when the configuration is written, so the bucket waits for their policies (`ready`).
   */
  notifyOn(targets: readonly BucketNotification[], ready: readonly IDependable[]): void {
    for (const r of ready) this.bucket.node.addDependency(r);
    (this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      queueConfigurations: targets.map((t) => ({
        event: 's3:ObjectCreated:*',
        queue: t.queue.queueArn,
        filter: {
          s3Key: {
            rules: [
              { name: 'prefix', value: t.prefix },
              ...(t.suffix === undefined ? [] : [{ name: 'suffix', value: t.suffix }]),
            ],
          },
        },
      })),
    };
  }
}
