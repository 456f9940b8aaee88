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
  alarms: { topicName: 'daily-notifications-qa-alarms', emails: [] },
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
