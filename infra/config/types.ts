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

export type AlarmSeverity = 'critical' | 'warning';

/** One subscriber of an alarm topic. */
export interface AlarmSubscription {
  readonly protocol: 'email' | 'https' | 'sqs';
  /** E-mail address, HTTPS URL (chat webhook, paging service) or SQS queue ARN. */
  readonly endpoint: string;
}

/** An optional feature; off only with the reason (usually an emulator limitation). */
export type Feature = { readonly enabled: true } | { readonly enabled: false; readonly reason: string };

export interface AlarmsConfig {
  /** Base name of the alarm topics: `<topicName>-critical` (paging) and `<topicName>-warning` (chat). */
  readonly topicName: string;
  readonly subscriptions: Readonly<Record<AlarmSeverity, readonly AlarmSubscription[]>>;
  /** Length of one evaluation period of the threshold alarms, minutes. */
  readonly periodMinutes: number;
  /** Breaching periods (out of as many) before a threshold alarm fires. */
  readonly evaluationPeriods: number;
  readonly lambda: {
    /** Errors (sum per period) at or above which a function alarms. */
    readonly errors: number;
    readonly throttles: number;
    /** p99 Duration at or above this percentage of the function timeout. */
    readonly durationP99PercentOfTimeout: number;
    /** ConcurrentExecutions (max) at or above this percentage of reserved concurrency. */
    readonly concurrencyPercentOfReserved: number;
  };
  /** ApproximateAgeOfOldestMessage (max) of a work queue, seconds. DLQs alarm on any message. */
  readonly queueOldestMessageAgeSeconds: number;
  readonly dynamodb: {
    /** Read or write throttle events (sum per period). */
    readonly throttleEvents: number;
    readonly systemErrors: number;
  };
  readonly api: {
    /** 5XXError average (= share of requests) in percent. */
    readonly error5xxPercent: number;
    readonly error4xxPercent: number;
    readonly latencyP99Ms: number;
  };
  readonly aurora: {
    readonly cpuPercent: number;
    readonly connections: number;
    readonly freeableMemoryMb: number;
    readonly freeLocalStorageMb: number;
    /** Deadlocks (average per second over the period). */
    readonly deadlocksPerSecond: number;
  };
  readonly loader: {
    /** LoadsFailed (sum per period). */
    readonly loadsFailed: number;
    /** RowsRejected / RowsRead in percent (metric math when `metricMath` is on). */
    readonly rejectedRowPercent: number;
  };
  /**
   * DailyRunCompleted must be seen within this many minutes of the scheduled start: the heartbeat
   * alarm looks at the last 24 h in periods of this length and fires when none had the metric.
   */
  readonly heartbeatDeadlineMinutes: number;
  /** Alarms on metric math (ratios, sums over DynamoDB operations); otherwise plain metrics. */
  readonly metricMath: Feature;
  /** Composite alarms (one symptom, several causes); otherwise every alarm notifies itself. */
  readonly compositeAlarms: Feature;
  /** Saved CloudWatch Logs Insights queries (AWS::Logs::QueryDefinition). */
  readonly queryDefinitions: Feature;
}

/** CodeDeploy's predefined Lambda deployment configurations that this app offers. */
export type LambdaDeploymentConfigName =
  | 'ALL_AT_ONCE'
  | 'CANARY_10PERCENT_5MINUTES'
  | 'CANARY_10PERCENT_10MINUTES'
  | 'LINEAR_10PERCENT_EVERY_1MINUTE';

export type DeploymentConfig =
  | {
      readonly gradual: true;
      readonly config: LambdaDeploymentConfigName;
    }
  | { readonly gradual: false; readonly reason: string };

/** Where the loader's PostgreSQL database lives. */
export type DatabaseConfig =
  | {
      /** Aurora PostgreSQL Serverless v2 in the isolated subnets (AWS environments). */
      readonly kind: 'aurora';
      /** Aurora PostgreSQL engine version, e.g. '16.11'. */
      readonly engineVersion: string;
      readonly minCapacityAcu: number;
      readonly maxCapacityAcu: number;
      /** Reader instances besides the writer (0 = writer only). */
      readonly readers: number;
      readonly backupRetentionDays: number;
      readonly deletionProtection: boolean;
      /** Performance Insights (free tier: 7 days) on every instance. */
      readonly performanceInsights: boolean;
      /** The admin secret is rotated by Secrets Manager every this many days. */
      readonly rotationDays: number;
    }
  | {
      /**
       * A PostgreSQL server the stack does not manage (local: the server `make up` starts). The
       * stack creates the secret with the same shape as Aurora's; the local scripts fill in the
       * password and create the role.
       */
      readonly kind: 'external';
      readonly reason: string;
      readonly host: string;
      readonly port: number;
      readonly dbname: string;
      readonly username: string;
    };

export interface DataPipelineConfig {
  readonly loader: FunctionSizing;
  /** What one loader invocation takes on (docs/DATA_PIPELINE.md, "Large files"). */
  readonly load: {
    /**
     * Objects larger than this are rejected at once, the limit in the reason (never retried into
     * the DLQ): the largest file one invocation loads before its timeout, from measured throughput.
     */
    readonly maxObjectBytes: number;
    /** The AWS client's fixed timeout for short calls; long transfers are bounded by progress. */
    readonly requestTimeoutMs: number;
  };
  /** SQS event source: maximum concurrent loads (>= 2). One object per invocation. */
  readonly maxConcurrency: number;
  readonly queue: {
    /** Receives of an object-created message before it is parked in the ingest DLQ. */
    readonly maxReceiveCount: number;
    readonly retentionDays: number;
    readonly dlqRetentionDays: number;
  };
  readonly bucket: {
    /** incoming/ objects (already loaded or rejected) expire after this many days. */
    readonly incomingExpirationDays: number;
    readonly rejectedExpirationDays: number;
    /** Noncurrent versions (overwritten uploads) are kept this many days. */
    readonly noncurrentVersionExpirationDays: number;
    readonly accessLogsExpirationDays: number;
  };
  /** TLS to the database: libpq sslmode and the CA bundle path as the loader sees it. */
  readonly tls: {
    readonly sslMode: 'verify-full' | 'verify-ca' | 'require';
    readonly rootCertPath: string;
  };
  readonly database: DatabaseConfig;
  /**
   * Bucket policy: the loader role may touch objects only through the VPC's S3 gateway endpoint
   * (aws:SourceVpce). Off only where there is no endpoint path (the emulator).
   */
  readonly vpcEndpointRestriction: Feature;
}

/** Which users a segment holds: a rule over one column of the users dataset's contract. */
export type SegmentRule =
  | { readonly kind: 'everyone' }
  /** The column equals the value (a boolean column takes true/false, an enum one of its values). */
  | { readonly kind: 'equals'; readonly column: string; readonly value: string | number | boolean }
  /** A text column starts with the prefix (e.g. a locale `en`). */
  | { readonly kind: 'prefix'; readonly column: string; readonly prefix: string };

export interface SegmentConfig {
  /** The name notifications address (`segment`), 1-64 of [A-Za-z0-9_-]. */
  readonly name: string;
  readonly rule: SegmentRule;
  /**
   * A marketing segment holds only users who opted in (`marketing_opt_in` true), whatever its rule
   * says: sync-audiences ANDs the consent into the rule.
   */
  readonly marketing?: boolean;
}

/** Audiences materialised from the users dataset (PostgreSQL) into the notifications table. */
export interface AudiencesConfig {
  /** The dataset whose contract (data/contracts/<dataset>.json) the rules are checked against. */
  readonly dataset: string;
  readonly segments: readonly SegmentConfig[];
  readonly sync: FunctionSizing;
  readonly queue: {
    /** Receives of a sync request before it is parked in the audience-sync DLQ. */
    readonly maxReceiveCount: number;
    readonly retentionDays: number;
    readonly dlqRetentionDays: number;
  };
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

  /** Monitoring stack: alarm topics, thresholds (reasoning in docs/MONITORING.md), extras. */
  readonly alarms: AlarmsConfig;

  /** How a new function version reaches traffic (CodeDeploy behind the `live` alias). */
  readonly deployment: DeploymentConfig;

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
    /**
     * The IAM roles (ARNs) that may call the API. Its resource policy admits these and the
     * deployment-tests role and refuses every other principal; callers in the VPC also attach the
     * network stack's api-clients security group (onboarding: docs/SECURITY.md).
     */
    readonly callerRoleArns: readonly string[];
    /**
     * The IAM roles (ARNs) that may author notifications (`/admin/notifications`). The deployment
     * tests role is always added; no inbox caller is admitted to these routes.
     */
    readonly adminRoleArns: readonly string[];
  };

  /** What the deployment tests (tests/e2e, run with the delivery stack's tests role) may do here. */
  readonly deploymentTests: {
    /**
     * `full`: seed data, run the day and the destructive tests (the tests role gets their grants);
     * `smoke`: read-only (the tests role reads the smoke user's inbox, alarm and stack state).
     */
    readonly suite: 'full' | 'smoke';
  };

  readonly functions: {
    readonly findDaily: FunctionSizing;
    readonly generate: FunctionSizing;
    readonly getNotifications: FunctionSizing;
    /**
     * The inbox's state changes (PATCH a record, read-all). Its timeout must stay under API
     * Gateway's 29 s integration timeout, so read-all reports where it stopped before the caller
     * sees a 504.
     */
    readonly updateNotifications: FunctionSizing;
    /** The admin API: notification definitions (behind API Gateway, so under its 29 s too). */
    readonly manageNotifications: FunctionSizing;
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

  /** The CSV data pipeline: bucket, ingest queue, loader, database. */
  readonly dataPipeline: DataPipelineConfig;

  /** Segments and profiles from the users dataset (sync-audiences). */
  readonly audiences: AudiencesConfig;

  /** Removal policy of stateful resources (table, queues, keys, secret, log groups). */
  readonly removalPolicy: RemovalPolicyName;

  /**
   * Endpoint the functions must call instead of the AWS service endpoints. Only `local` sets it:
   * MiniStack runs the bootstraps as host processes and does not inject AWS_ENDPOINT_URL.
   */
  readonly awsEndpointUrl?: string;
}
