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
  alarms: { topicName: 'daily-notifications-dev-alarms', emails: [] },
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
