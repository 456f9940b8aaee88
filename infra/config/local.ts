import { localEndpointUrl, localPostgres } from './process-env';
import type { EnvConfig } from './types';

/**
 * The local environment: the same CDK app deployed to MiniStack on this machine.
 * Account and region are MiniStack's defaults. Sizes are small and timeouts short so the
 * end-to-end tests (poison message -> DLQ after maxReceiveCount receives) finish quickly:
 * the queue's visibility timeout is 6x generate's timeout.
 */
export const local: EnvConfig = {
  name: 'local',
  account: '000000000000',
  region: 'us-east-1',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  network: {
    vpcCidr: '10.10.0.0/16',
    azCount: 2,
    flowLogs: {
      enabled: false,
      reason:
        'MiniStack 1.4 has no AWS::EC2::FlowLog provisioner (an unknown type fails the stack) and no VPC traffic to log.',
    },
  },
  schedule: {
    expression: 'cron(0 6 * * ? *)',
    timezone: 'Europe/London',
    maxRetryAttempts: 2,
  },
  logRetentionDays: 1,
  alarms: {
    topicName: 'daily-notifications-local-alarms',
    subscriptions: { critical: [], warning: [] },
    periodMinutes: 1,
    evaluationPeriods: 1,
    lambda: { errors: 1, throttles: 1, durationP99PercentOfTimeout: 80, concurrencyPercentOfReserved: 80 },
    queueOldestMessageAgeSeconds: 120,
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
    metricMath: {
      enabled: false,
      reason:
        'MiniStack rejects AWS::CloudWatch::Alarm with Metrics (metric math); plain-metric alarms stand in (see docs/MONITORING.md).',
    },
    compositeAlarms: {
      enabled: false,
      reason:
        'MiniStack has no AWS::CloudWatch::CompositeAlarm provisioner (an unknown type fails the stack); each alarm notifies its topic itself.',
    },
    queryDefinitions: {
      enabled: false,
      reason: 'MiniStack has no AWS::Logs::QueryDefinition provisioner (an unknown type fails the stack).',
    },
  },
  deployment: {
    gradual: false,
    reason:
      'MiniStack has no AWS::CodeDeploy provisioner; the live alias points at the newest version at once.',
  },
  api: {
    endpointType: 'REGIONAL',
    endpointTypeReason:
      'MiniStack has no private API / execute-api VPC endpoint routing; the API is reached at /_aws/execute-api/<apiId>/<stage>. IAM authorization is still configured.',
    stageName: 'v1',
    throttlingRateLimit: 100,
    throttlingBurstLimit: 200,
  },
  functions: {
    findDaily: { memoryMb: 256, timeoutSeconds: 30, reservedConcurrency: 1 },
    generate: { memoryMb: 512, timeoutSeconds: 10, reservedConcurrency: 4 },
    getNotifications: { memoryMb: 256, timeoutSeconds: 10, reservedConcurrency: 4 },
    logLevel: 'debug',
    metricsNamespace: 'DailyNotifications',
    maxPagesPerInvocation: 2,
  },
  queue: {
    maxReceiveCount: 3,
    batchSize: 10,
    maxConcurrency: 2,
    retentionDays: 4,
    dlqRetentionDays: 14,
  },
  data: { inboxTtlDays: 7, deletionProtection: false },
  dataPipeline: {
    loader: { memoryMb: 512, timeoutSeconds: 120, reservedConcurrency: 2 },
    maxConcurrency: 2,
    queue: { maxReceiveCount: 3, retentionDays: 1, dlqRetentionDays: 14 },
    bucket: {
      incomingExpirationDays: 1,
      rejectedExpirationDays: 1,
      noncurrentVersionExpirationDays: 1,
      accessLogsExpirationDays: 1,
    },
    // The server `make up` starts has a certificate from a CA it generates under .local/.
    tls: { sslMode: 'verify-full', rootCertPath: localPostgres().rootCertPath },
    database: {
      kind: 'external',
      reason: 'MiniStack cannot run RDS without Docker: the local scripts run a real PostgreSQL 15 server.',
      host: 'localhost',
      port: localPostgres().port,
      dbname: 'daily_notifications',
      username: 'dn_loader',
    },
    vpcEndpointRestriction: {
      enabled: false,
      reason:
        'MiniStack runs the loader as a host process, not through a VPC endpoint, so aws:SourceVpce would never match.',
    },
  },
  removalPolicy: 'destroy',
  awsEndpointUrl: localEndpointUrl(),
};
