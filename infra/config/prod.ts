import { AURORA, defineEnv } from './base';

/** Production account: three AZs, more capacity, retained data, deletion protection, paging. */
export const prod = defineEnv('prod', {
  account: '333333333333',
  network: { vpcCidr: '10.40.0.0/16', azCount: 3 },
  schedule: { maxRetryAttempts: 5 },
  logRetentionDays: 90,
  alarms: { subscriptions: { critical: [{ protocol: 'email', endpoint: 'oncall@example.com' }] } },
  deployment: { gradual: true, config: 'CANARY_10PERCENT_10MINUTES' },
  api: {
    throttlingRateLimit: 500,
    throttlingBurstLimit: 1000,
    // Placeholder for the service that shows users their inbox: list the real callers' roles.
    callerRoleArns: ['arn:aws:iam::333333333333:role/inbox-web-backend'],
    // Placeholder for the people or service that schedule notifications: list the real roles.
    adminRoleArns: ['arn:aws:iam::333333333333:role/notifications-admin'],
  },
  deploymentTests: { suite: 'smoke' },
  functions: {
    generate: { reservedConcurrency: 50 },
    getNotifications: { reservedConcurrency: 100 },
    updateNotifications: { reservedConcurrency: 50 },
  },
  queue: { maxConcurrency: 40 },
  data: { inboxTtlDays: 90, deletionProtection: true },
  dataPipeline: {
    loader: { memoryMb: 2048, reservedConcurrency: 4 },
    maxConcurrency: 4,
    bucket: {
      incomingExpirationDays: 30,
      rejectedExpirationDays: 90,
      noncurrentVersionExpirationDays: 30,
      accessLogsExpirationDays: 365,
    },
    database: {
      ...AURORA,
      maxCapacityAcu: 16,
      readers: 1,
      backupRetentionDays: 35,
      deletionProtection: true,
    },
  },
  removalPolicy: 'retain',
});
