import type { DatabaseConfig, EnvConfig, EnvName } from './types';

/**
 * The one typed base of every environment: an AWS environment of production shape at modest
 * capacity (qa is this base with its own account and CIDR). config/<env>.ts states only how its
 * environment differs (`defineEnv`), so a new setting is added here once and a reviewer sees an
 * environment's whole difference in its file.
 */
export function baseConfig(name: EnvName): EnvConfig {
  return {
    name,
    account: '',
    region: 'eu-west-2',
    availabilityZones: ['eu-west-2a', 'eu-west-2b', 'eu-west-2c'],
    network: { vpcCidr: '', azCount: 2, flowLogs: { enabled: true } },
    schedule: { expression: 'cron(0 6 * * ? *)', timezone: 'Europe/London', maxRetryAttempts: 3 },
    logRetentionDays: 30,
    alarms: {
      topicName: `daily-notifications-${name}-alarms`,
      subscriptions: { critical: [], warning: [] },
      periodMinutes: 5,
      evaluationPeriods: 1,
      lambda: { errors: 1, throttles: 1, durationP99PercentOfTimeout: 80, concurrencyPercentOfReserved: 80 },
      queueOldestMessageAgeSeconds: 900,
      dynamodb: { throttleEvents: 1, systemErrors: 1 },
      api: { error5xxPercent: 1, error4xxPercent: 10, latencyP99Ms: 1000 },
      aurora: {
        cpuPercent: 80,
        connections: 100,
        freeableMemoryMb: 256,
        freeLocalStorageMb: 1024,
        deadlocksPerSecond: 0,
      },
      loader: { loadsFailed: 1, rejectedRowPercent: 5 },
      heartbeatDeadlineMinutes: 60,
      metricMath: { enabled: true },
      compositeAlarms: { enabled: true },
      queryDefinitions: { enabled: true },
    },
    // Gradual shifting with automatic rollback on the alias alarms: canary in prod only.
    deployment: { gradual: true, config: 'ALL_AT_ONCE' },
    api: {
      endpointType: 'PRIVATE',
      endpointTypeReason: 'Callers live inside the VPC; nothing is exposed to the internet.',
      stageName: 'v1',
      throttlingRateLimit: 100,
      throttlingBurstLimit: 200,
      callerRoleArns: [],
      adminRoleArns: [],
    },
    deploymentTests: { suite: 'full' },
    functions: {
      findDaily: { memoryMb: 256, timeoutSeconds: 60, reservedConcurrency: 1 },
      generate: { memoryMb: 1024, timeoutSeconds: 120, reservedConcurrency: 10 },
      getNotifications: { memoryMb: 512, timeoutSeconds: 10, reservedConcurrency: 10 },
      updateNotifications: { memoryMb: 512, timeoutSeconds: 25, reservedConcurrency: 10 },
      manageNotifications: { memoryMb: 256, timeoutSeconds: 10, reservedConcurrency: 2 },
      logLevel: 'info',
      metricsNamespace: 'DailyNotifications',
      maxPagesPerInvocation: 5,
    },
    queue: { maxReceiveCount: 5, batchSize: 10, maxConcurrency: 8, retentionDays: 4, dlqRetentionDays: 14 },
    data: { inboxTtlDays: 30, deletionProtection: false },
    dataPipeline: {
      loader: { memoryMb: 1024, timeoutSeconds: 900, reservedConcurrency: 2 },
      // Below the slowest measured case (a populated table whose every row changes: ~1.6 GiB in
      // the 840 s one invocation has), so no accepted file reaches the deadline and the DLQ;
      // make bench's end-to-end load (1 GiB by default) still fits (docs/DATA_PIPELINE.md,
      // "Large files").
      load: { maxObjectBytes: 1_500_000_000, requestTimeoutMs: 20_000 },
      maxConcurrency: 2,
      queue: { maxReceiveCount: 3, retentionDays: 4, dlqRetentionDays: 14 },
      bucket: {
        incomingExpirationDays: 14,
        rejectedExpirationDays: 30,
        noncurrentVersionExpirationDays: 14,
        accessLogsExpirationDays: 90,
      },
      // The loader zip carries the RDS CA bundle (scripts/package.sh, see docs/DATA_PIPELINE.md).
      tls: { sslMode: 'verify-full', rootCertPath: '/var/task/certs/rds-global-bundle.pem' },
      database: AURORA,
      vpcEndpointRestriction: { enabled: true },
    },
    audiences: {
      dataset: 'users',
      segments: [
        { name: 'all-users', rule: { kind: 'everyone' } },
        { name: 'marketing', rule: { kind: 'everyone' }, marketing: true },
        { name: 'push', rule: { kind: 'equals', column: 'preferred_channel', value: 'push' } },
        { name: 'locale-en', rule: { kind: 'prefix', column: 'locale', prefix: 'en' } },
      ],
      // One pass at a time (an advisory lock in PostgreSQL); a pass continues across invocations.
      sync: { memoryMb: 512, timeoutSeconds: 300, reservedConcurrency: 2 },
      queue: { maxReceiveCount: 5, retentionDays: 4, dlqRetentionDays: 14 },
    },
    removalPolicy: 'destroy',
  };
}

/** The base's database; an environment that resizes it spreads this and states what differs. */
export const AURORA: DatabaseConfig & { readonly kind: 'aurora' } = {
  kind: 'aurora',
  engineVersion: '16.11',
  minCapacityAcu: 0.5,
  maxCapacityAcu: 4,
  readers: 0,
  backupRetentionDays: 7,
  deletionProtection: false,
  performanceInsights: true,
  rotationDays: 30,
};

/** A value that is one of several shapes (Feature, DeploymentConfig, DatabaseConfig): replaced whole. */
type Choice = { readonly enabled: boolean } | { readonly gradual: boolean } | { readonly kind: string };
const CHOICE_KEYS = ['enabled', 'gradual', 'kind'];

/**
 * An environment's difference from the base: any field at any depth. A choice (see Choice) or a
 * list is replaced whole, so a feature turned off always carries its reason.
 */
export type Overrides<T> = T extends Choice | readonly unknown[] | string | number | boolean
  ? T
  : { readonly [K in keyof T]?: Overrides<T[K]> };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge<T>(base: T, over: Overrides<T>): T {
  if (!isObject(base) || !isObject(over) || CHOICE_KEYS.some((k) => k in over)) return over as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value !== undefined) out[key] = merge(base[key], value as Overrides<unknown>);
  }
  return out as T;
}

/** The base of `name` with `differences` applied. Account and VPC CIDR are always the environment's own. */
export function defineEnv(
  name: EnvName,
  differences: Overrides<EnvConfig> & {
    readonly account: string;
    readonly network: { readonly vpcCidr: string };
  },
): EnvConfig {
  return merge<EnvConfig>(baseConfig(name), differences);
}
