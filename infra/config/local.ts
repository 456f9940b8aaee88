import { defineEnv } from './base';
import { localEndpointUrl, localPostgres } from './process-env';

/**
 * The local environment: the same CDK app deployed to MiniStack on this machine. Account and
 * region are MiniStack's defaults. Sizes are small and timeouts short so the end-to-end tests
 * (poison message -> DLQ after maxReceiveCount receives) finish quickly: the queue's visibility
 * timeout is 6x generate's timeout. Each feature MiniStack cannot run is off with its reason.
 */
export const local = defineEnv('local', {
  account: '000000000000',
  region: 'us-east-1',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  network: {
    vpcCidr: '10.10.0.0/16',
    flowLogs: {
      enabled: false,
      reason:
        'MiniStack 1.5 has no AWS::EC2::FlowLog provisioner (an unknown type fails the stack) and no VPC traffic to log.',
    },
  },
  schedule: { maxRetryAttempts: 2 },
  logRetentionDays: 1,
  alarms: {
    periodMinutes: 1,
    queueOldestMessageAgeSeconds: 120,
    api: { latencyP99Ms: 2000 },
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
  },
  functions: {
    findDaily: { timeoutSeconds: 30 },
    generate: { memoryMb: 512, timeoutSeconds: 10, reservedConcurrency: 4 },
    getNotifications: { memoryMb: 256, reservedConcurrency: 4 },
    updateNotifications: { memoryMb: 256, reservedConcurrency: 4 },
    logLevel: 'debug',
    // A cap only: generate starts a page while the time left covers the slowest page it measured.
    maxPagesPerInvocation: 40,
  },
  queue: { maxReceiveCount: 3, maxConcurrency: 2 },
  data: { inboxTtlDays: 7 },
  dataPipeline: {
    // As long as the AWS environments' timeout, so make bench's 1 GB end-to-end load fits; a
    // 2 s request timeout, so the deployment tests see transfers outlive it.
    loader: { memoryMb: 512, timeoutSeconds: 900 },
    load: { requestTimeoutMs: 2_000 },
    queue: { retentionDays: 1 },
    bucket: {
      incomingExpirationDays: 1,
      rejectedExpirationDays: 1,
      noncurrentVersionExpirationDays: 1,
      accessLogsExpirationDays: 1,
    },
    // The server `make up` starts has a certificate from a CA it generates under .local/.
    tls: { rootCertPath: localPostgres().rootCertPath },
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
  // A failed sync request is retried after 6x the timeout (the queue's visibility): minutes here.
  audiences: { sync: { timeoutSeconds: 60 } },
  awsEndpointUrl: localEndpointUrl(),
});
