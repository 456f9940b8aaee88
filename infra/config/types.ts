/**
 * Typed configuration of one environment. Every difference between local, dev, qa and prod
 * lives in a value of this type (config/<env>.ts); the stacks never branch on the env name.
 */

export type EnvName = 'local' | 'dev' | 'qa' | 'prod';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** What happens to a stateful resource when it leaves the stack. */
export type RemovalPolicyName = 'destroy' | 'retain';

export interface FunctionSizing {
  /** MB of memory (also scales CPU). */
  readonly memoryMb: number;
  /** Hard timeout of one invocation, seconds. */
  readonly timeoutSeconds: number;
  /** Reserved concurrency: caps the function and guarantees it this much of the account pool. */
  readonly reservedConcurrency: number;
}

export interface EnvConfig {
  readonly name: EnvName;
  /** 12-digit AWS account id. Given explicitly so synth needs no credentials. */
  readonly account: string;
  readonly region: string;
  /** Availability zones of the region, given explicitly so synth needs no context lookup. */
  readonly availabilityZones: readonly string[];

  readonly network: {
    readonly vpcCidr: string;
    /** How many of `availabilityZones` the VPC spans (one isolated subnet per AZ). */
    readonly azCount: number;
    /** VPC flow logs to an encrypted log group. */
    readonly flowLogs: { readonly enabled: true } | { readonly enabled: false; readonly reason: string };
  };

  readonly schedule: {
    /** EventBridge Scheduler expression, evaluated in `timezone`. */
    readonly expression: string;
    /** IANA time zone that defines "the day" (also given to find-daily as TIMEZONE). */
    readonly timezone: string;
    /** Retries of a failed delivery to find-daily before the event goes to the DLQ. */
    readonly maxRetryAttempts: number;
  };

  /** Retention of every log group (function logs, API access logs, flow logs), in days. */
  readonly logRetentionDays: number;

  readonly alarms: {
    /** Topic name for alarm notifications (the monitoring stack of issue 5 creates it). */
    readonly topicName: string;
    /** Where alarm notifications are e-mailed; empty list means no subscription. */
    readonly emails: readonly string[];
  };

  readonly api: {
    /**
     * PRIVATE: reachable only through the execute-api VPC endpoint (resource policy pins
     * aws:SourceVpce). REGIONAL: regional endpoint, still IAM-authorized.
     */
    readonly endpointType: 'PRIVATE' | 'REGIONAL';
    /** Why this endpoint type was chosen for the environment (documentation only). */
    readonly endpointTypeReason: string;
    readonly stageName: string;
    readonly throttlingRateLimit: number;
    readonly throttlingBurstLimit: number;
  };

  readonly functions: {
    readonly findDaily: FunctionSizing;
    readonly generate: FunctionSizing;
    readonly getNotifications: FunctionSizing;
    readonly logLevel: LogLevel;
    /** EMF namespace of every custom metric. */
    readonly metricsNamespace: string;
    /** generate: pages of a segment processed before it queues a continuation message. */
    readonly maxPagesPerInvocation: number;
  };

  readonly queue: {
    /** Receives of a GenerateMessage before SQS moves it to the DLQ. */
    readonly maxReceiveCount: number;
    /** SQS event source: messages per batch handed to generate. */
    readonly batchSize: number;
    /** SQS event source: maximum concurrent generate invocations (>= 2). */
    readonly maxConcurrency: number;
    readonly retentionDays: number;
    readonly dlqRetentionDays: number;
  };

  readonly data: {
    /** Inbox records expire (DynamoDB TTL on `expiresAt`) this many days after creation. */
    readonly inboxTtlDays: number;
    readonly deletionProtection: boolean;
  };

  /** Removal policy of stateful resources (table, queues, keys, secret, log groups). */
  readonly removalPolicy: RemovalPolicyName;

  /**
   * Endpoint the functions must call instead of the AWS service endpoints. Only `local` sets it:
   * MiniStack runs the bootstraps as host processes and does not inject AWS_ENDPOINT_URL.
   */
  readonly awsEndpointUrl?: string;
}
