import type { EnvConfig } from './types';

/** QA account: production shape at lower capacity; full deployment tests run here. */
export const qa: EnvConfig = {
  name: 'qa',
  account: '222222222222',
  region: 'eu-west-2',
  availabilityZones: ['eu-west-2a', 'eu-west-2b', 'eu-west-2c'],
  network: { vpcCidr: '10.30.0.0/16', azCount: 2, flowLogs: { enabled: true } },
  schedule: { expression: 'cron(0 6 * * ? *)', timezone: 'Europe/London', maxRetryAttempts: 3 },
  logRetentionDays: 30,
  alarms: {
    topicName: 'daily-notifications-qa-alarms',
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
  },
  functions: {
    findDaily: { memoryMb: 256, timeoutSeconds: 60, reservedConcurrency: 1 },
    generate: { memoryMb: 1024, timeoutSeconds: 120, reservedConcurrency: 10 },
    getNotifications: { memoryMb: 512, timeoutSeconds: 10, reservedConcurrency: 10 },
    logLevel: 'info',
    metricsNamespace: 'DailyNotifications',
    maxPagesPerInvocation: 5,
  },
  queue: { maxReceiveCount: 5, batchSize: 10, maxConcurrency: 8, retentionDays: 4, dlqRetentionDays: 14 },
  data: { inboxTtlDays: 30, deletionProtection: false },
  removalPolicy: 'destroy',
};
