import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { Concern } from './concern';

/** A queue of this environment: CMK-encrypted, TLS-only, retention in days. */
function encrypted(
  scope: Construct,
  id: string,
  p: { queueName: string; key: kms.IKey; retentionDays: number; removalPolicy: RemovalPolicy },
  extra: Partial<sqs.QueueProps> = {},
): sqs.Queue {
  return new sqs.Queue(scope, id, {
    queueName: p.queueName,
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: p.key,
    enforceSSL: true,
    retentionPeriod: Duration.days(p.retentionDays),
    removalPolicy: p.removalPolicy,
    ...extra,
  });
}

export interface DeadLetterQueueProps {
  /** Physical name: the monitoring stack addresses the queue's metrics by it. */
  readonly queueName: string;
  readonly key: kms.IKey;
  readonly retentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  /** What lands here, in a few words (the alarm summary says it). */
  readonly holds: string;
}

/**
 * A queue that is itself a dead-letter queue of something other than a queue (a schedule, a
 * function's async invocations). Outputs: `queue`, `queueName`, `holds`.
 */
export class DeadLetterQueue extends Concern {
  readonly queue: sqs.Queue;
  readonly queueName: string;
  readonly holds: string;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queueName = props.queueName;
    this.holds = props.holds;
    this.queue = encrypted(this, 'Default', props);
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `${id} is itself a dead-letter queue (${props.holds}).`,
    });
  }
}

export interface WorkQueueProps {
  /** Physical names of the queue and its DLQ: the monitoring stack addresses metrics by them. */
  readonly queueName: string;
  readonly dlqName: string;
  readonly key: kms.IKey;
  readonly retentionDays: number;
  readonly dlqRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  /** Receives of a message before SQS parks it in the DLQ. */
  readonly maxReceiveCount: number;
  /** Timeout of the function that consumes the queue: the visibility timeout is six times it. */
  readonly consumerTimeoutSeconds: number;
  /** What a message in the DLQ is, in a few words (the alarm summary says it). */
  readonly deadLetters: string;
}

/**
 * A work queue with its DLQ, fed to one function by an SQS event source (`feed`). Its id ends in
 * `Queue`: `GenerateQueue` is the queue, its children `Dlq` and `EventSource` keep the ids
 * `GenerateDlq` and `GenerateQueueEventSource`. Outputs: `queue`, `dlq`, `queueName`, `dlqName`.
 */
export class WorkQueue extends Concern {
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
  readonly queueName: string;
  readonly dlqName: string;
  readonly deadLetters: string;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    if (!id.endsWith('Queue')) throw new Error(`WorkQueue id '${id}' must end in 'Queue'`);
    this.queueName = props.queueName;
    this.dlqName = props.dlqName;
    this.deadLetters = props.deadLetters;
    const common = { key: props.key, removalPolicy: props.removalPolicy };
    this.dlq = encrypted(this, 'Dlq', {
      ...common,
      queueName: props.dlqName,
      retentionDays: props.dlqRetentionDays,
    });
    Validations.of(this.dlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `${this.childComponent(id, 'Dlq')} is itself the dead-letter queue of ${props.queueName}.`,
    });
    this.queue = encrypted(
      this,
      'Default',
      { ...common, queueName: props.queueName, retentionDays: props.retentionDays },
      {
        // AWS's rule for Lambda event sources: at least 6x the function timeout, so a message is
        // not redelivered while a (retried) invocation still holds it.
        visibilityTimeout: Duration.seconds(6 * props.consumerTimeoutSeconds),
        deadLetterQueue: { queue: this.dlq, maxReceiveCount: props.maxReceiveCount },
      },
    );
  }

  /** The DLQ of `<X>Queue` is `<X>Dlq`, the id it had before this concern existed. */
  override childComponent(own: string, childId: string): string {
    return childId === 'Dlq' ? `${own.replace(/Queue$/, '')}Dlq` : super.childComponent(own, childId);
  }

  /** Hands the queue's messages to `target` in batches; a failed record is retried on its own. */
  feed(target: lambda.IFunction, batch: { batchSize: number; maxConcurrency: number }): void {
    new lambda.EventSourceMapping(this, 'EventSource', {
      target,
      eventSourceArn: this.queue.queueArn,
      batchSize: batch.batchSize,
      reportBatchItemFailures: true,
      maxConcurrency: batch.maxConcurrency,
    });
  }
}
