import { AURORA, defineEnv } from './base';

/** Development account: smaller than the base, shorter retention, a looser latency alarm. */
export const dev = defineEnv('dev', {
  account: '111111111111',
  network: { vpcCidr: '10.20.0.0/16' },
  logRetentionDays: 14,
  alarms: { api: { latencyP99Ms: 2000 } },
  api: { throttlingRateLimit: 50, throttlingBurstLimit: 100 },
  functions: {
    generate: { memoryMb: 512, reservedConcurrency: 5 },
    getNotifications: { memoryMb: 256, reservedConcurrency: 5 },
    updateNotifications: { memoryMb: 256, reservedConcurrency: 5 },
    logLevel: 'debug',
  },
  queue: { maxConcurrency: 4 },
  dataPipeline: {
    bucket: {
      incomingExpirationDays: 7,
      rejectedExpirationDays: 14,
      noncurrentVersionExpirationDays: 7,
      accessLogsExpirationDays: 30,
    },
    database: { ...AURORA, maxCapacityAcu: 2, backupRetentionDays: 1 },
  },
});
