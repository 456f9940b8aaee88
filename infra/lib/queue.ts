import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { EnvConfig } from '../config/types';
import { days, removalPolicy } from './config-helpers';
import { resourcePrefix } from './naming';

/** A queue of this environment: CMK-encrypted, TLS-only, retention in days, named by suffix. */
export function encryptedQueue(
  scope: Construct,
  id: string,
  cfg: EnvConfig,
  key: kms.IKey,
  suffix: string,
  retentionDays: number,
  extra: Partial<sqs.QueueProps> = {},
): sqs.Queue {
  return new sqs.Queue(scope, id, {
    queueName: `${resourcePrefix(cfg.name)}-${suffix}`,
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: days(retentionDays),
    removalPolicy: removalPolicy(cfg),
    ...extra,
  });
}
