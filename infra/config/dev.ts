import type { EnvConfig } from './types';

/** Development account: small sizes, short retention, resources destroyed with the stack. */
export const dev: EnvConfig = {
  name: 'dev',
  account: '111111111111',
  region: 'eu-west-2',
  availabilityZones: ['eu-west-2a', 'eu-west-2b', 'eu-west-2c'],
  network: { vpcCidr: '10.20.0.0/16', azCount: 2, flowLogs: { enabled: true } },
  schedule: { expression: 'cron(0 6 * * ? *)', timezone: 'Europe/London', maxRetryAttempts: 3 },
  logRetentionDays: 14,
  alarms: {
    topicName: 'daily-notifications-dev-alarms',
    subscriptions: { critical: [], warning: [] },
    periodMinutes: 5,
    evaluationPeriods: 1,
    lambda: { errors: 1, throttles: 1, durationP99PercentOfTimeout: 80, concurrencyPercentOfReserved: 80 },
    queueOldestMessageAgeSeconds: 900,
    dynamodb: { throttleEvents: 1, systemErrors: 1 },
    api: { error5xxPercent: 1, error4xxPercent: 10, latencyP99Ms: 2000 },
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
    throttlingRateLimit: 50,
    throttlingBurstLimit: 100,
  },
  functions: {
    findDaily: { memoryMb: 256, timeoutSeconds: 60, reservedConcurrency: 1 },
    generate: { memoryMb: 512, timeoutSeconds: 120, reservedConcurrency: 5 },
    getNotifications: { memoryMb: 256, timeoutSeconds: 10, reservedConcurrency: 5 },
    logLevel: 'debug',
    metricsNamespace: 'DailyNotifications',
    maxPagesPerInvocation: 5,
  },
  queue: { maxReceiveCount: 5, batchSize: 10, maxConcurrency: 4, retentionDays: 4, dlqRetentionDays: 14 },
  data: { inboxTtlDays: 30, deletionProtection: false },
  removalPolicy: 'destroy',
};
