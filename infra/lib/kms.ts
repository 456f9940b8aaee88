import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { EnvConfig } from '../config';
import { removalPolicy } from './config-helpers';
import { resourcePrefix } from './naming';

/**
 * A customer-managed key with yearly rotation. Its key policy is CDK's default (the account root
 * may use it, which hands authorization to IAM policies); callers get exact grants in IAM.
 */
export function createKey(scope: Construct, id: string, cfg: EnvConfig, purpose: string): kms.Key {
  return new kms.Key(scope, id, {
    alias: `alias/${resourcePrefix(cfg.name)}/${purpose}`,
    description: `daily-notifications ${cfg.name}: ${purpose}`,
    enableKeyRotation: true,
    // Shortest window outside prod-like retention so a torn-down environment frees its keys soon.
    pendingWindow: Duration.days(cfg.removalPolicy === 'retain' ? 30 : 7),
    removalPolicy: removalPolicy(cfg),
  });
}

/**
 * Lets CloudWatch Logs encrypt the named log groups with this key. The encryption-context
 * condition pins the grant to log groups of this account whose names match the patterns.
 */
export function allowLogsToUseKey(key: kms.Key, logGroupNamePatterns: string[]): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsForThisEnvironment',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': logGroupNamePatterns.map(
            (name) => `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${name}`,
          ),
        },
      },
    }),
  );
}

/**
 * Use of `key` only in requests that `service` (s3, sqs, dynamodb, secretsmanager) makes for the
 * caller in this key's region (kms:ViaService): the caller cannot use the key directly.
 */
export function keyUseVia(key: kms.IKey, actions: string[], service: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions,
    resources: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `${service}.${Stack.of(key).region}.amazonaws.com` } },
  });
}
