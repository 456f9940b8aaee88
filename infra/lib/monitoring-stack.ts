import { CfnOutput, Duration, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { AlarmSeverity, EnvConfig } from '../config/types';
import { AppStack } from './constructs/concern';
import type { ApiRoute } from './constructs/api';
import type { VpcFunction } from './constructs/function';
import { createKey } from './kms';
import { AlarmFactory, sumOrEach, type MonitoredSystem } from './monitoring-alarms';
import { notificationDashboard, pipelineDashboard } from './monitoring-dashboards';
import {
  literalName,
  metrics,
  queueNames,
  type DataPipeline,
  type NotificationSystem,
} from './monitoring-metrics';
import { addQueryDefinitions } from './monitoring-queries';
import { FUNCTION_NAMES, resourcePrefix, type FunctionName } from './naming';

const Cmp = cloudwatch.ComparisonOperator;
const Missing = cloudwatch.TreatMissingData;

/** DynamoDB operations the functions call (their IAM grants): SystemErrors is per operation. */
export const TABLE_OPERATIONS = ['PutItem', 'Query', 'TransactWriteItems', 'UpdateItem'] as const;

export interface MonitoringStackProps extends StackProps {
  readonly config: EnvConfig;
  /** The notification system's typed resources (NotificationsStack). */
  readonly notifications: NotificationSystem;
}

/**
 * Alarms, topics, dashboards and saved Logs Insights queries of one environment.
 *
 * Topics: `<topicName>-critical` (paging) and `<topicName>-warning` (chat), KMS-encrypted with
 * their own key, TLS-only, subscribers from config. The notification system is monitored at
 * construction; `addDataPipeline` adds the data pipeline (one call once its stack exists).
 * Outputs: CriticalTopicArn, WarningTopicArn, NotificationDashboardName.
 */
export class MonitoringStack extends AppStack {
  readonly topics: Record<AlarmSeverity, sns.Topic>;
  readonly alarms: AlarmFactory;
  private readonly config: EnvConfig;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    this.config = cfg;
    this.prefix = resourcePrefix(cfg.name);
    this.topics = this.createTopics();
    this.alarms = new AlarmFactory(this, cfg, this.topics);
    const n = props.notifications;
    this.monitorNotifications(n);
    notificationDashboard(this, cfg, n, this.alarms.of('notification'));
    addQueryDefinitions(this, cfg, 'notification', {
      functions: FUNCTION_NAMES.map((fn) => n.functions[fn].logGroupName),
      dailyRun: [n.functions['find-daily'].logGroupName, n.functions.generate.logGroupName],
      generate: [n.functions.generate.logGroupName],
      apiAccess: [n.api.accessLogGroupName],
    });

    new CfnOutput(this, 'CriticalTopicArn', {
      value: this.topics.critical.topicArn,
      description: 'SNS topic of critical (paging) alarms',
    });
    new CfnOutput(this, 'WarningTopicArn', {
      value: this.topics.warning.topicArn,
      description: 'SNS topic of warning (chat) alarms',
    });
    new CfnOutput(this, 'NotificationDashboardName', {
      value: `${this.prefix}-notification`,
      description: 'CloudWatch dashboard of the notification system',
    });
  }

  /** Alarms, dashboard and queries of the data pipeline. */
  addDataPipeline(data: DataPipeline): void {
    const cfg = this.config;
    const a = this.alarms;
    const system: MonitoredSystem = 'data-pipeline';
    const loaderAlarms = this.functionAlarms(system, data.loader);
    const ingest = queueNames(data.ingest);
    const age = this.queueAgeAlarm(system, 'ingest-queue', ingest.queue, true);
    const dlq = this.dlqAlarm(system, 'ingest-dlq', ingest.dlq, data.ingest.deadLetters);
    const emf = (metricName: string) =>
      metrics.emf(cfg, data.loader, metricName, { statistic: 'Sum', period: a.period });
    const loadsFailed = a.alarm(system, {
      key: 'loader-loads-failed',
      runbook: 'loader-loads-failed',
      severity: 'critical',
      summary: 'The loader reported a failed load (LoadsFailed): the CSV data is not fresh.',
      metric: emf('LoadsFailed'),
      threshold: cfg.alarms.loader.loadsFailed,
      comparison: Cmp.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      feedsComposite: true,
    });
    const ratio = cfg.alarms.metricMath.enabled
      ? new cloudwatch.MathExpression({
          expression: 'IF(rowsRead > 0, 100 * rowsRejected / rowsRead, 0)',
          usingMetrics: { rowsRejected: emf('RowsRejected'), rowsRead: emf('RowsRead') },
          label: 'Rejected rows (%)',
          period: a.period,
        })
      : undefined;
    a.alarm(system, {
      key: 'loader-rejected-rows',
      runbook: 'loader-rejected-rows',
      severity: 'warning',
      summary: ratio
        ? `More than ${cfg.alarms.loader.rejectedRowPercent}% of the CSV rows were rejected (RowsRejected / RowsRead).`
        : 'The loader rejected CSV rows (RowsRejected > 0; no metric math in this environment).',
      metric: ratio ?? emf('RowsRejected'),
      threshold: ratio ? cfg.alarms.loader.rejectedRowPercent : 0,
      comparison: Cmp.GREATER_THAN_THRESHOLD,
    });

    const cluster = data.database.clusterIdentifier;
    if (cluster !== undefined) this.auroraAlarms(literalName(data.database.node.path, cluster));

    a.composite(system, {
      key: 'csv-not-loaded',
      runbook: 'csv-not-loaded',
      severity: 'critical',
      summary:
        'The CSV is not being loaded: failed loads, loader errors, a stuck ingest queue or files in its DLQ.',
      children: [loadsFailed, loaderAlarms.errors, age, dlq],
    });
    this.audienceAlarms(system, data);
    pipelineDashboard(this, cfg, data, this.alarms.of(system));
    addQueryDefinitions(this, cfg, system, {
      functions: [data.loader.logGroupName, data.audienceSync.fn.logGroupName],
    });
  }

  /** Stale segments: sync-audiences failing, its queue backed up, or requests in its DLQ. */
  private audienceAlarms(system: MonitoredSystem, data: DataPipeline): void {
    const sync = data.audienceSync;
    const fnAlarms = this.functionAlarms(system, sync.fn);
    const names = queueNames(sync.queue);
    const age = this.queueAgeAlarm(system, 'audience-sync-queue', names.queue, true);
    const dlq = this.dlqAlarm(system, 'audience-sync-dlq', names.dlq, sync.queue.deadLetters);
    this.alarms.composite(system, {
      key: 'audiences-stale',
      runbook: 'audiences-stale',
      severity: 'critical',
      summary:
        'Segments and profiles are not following the users dataset: sync-audiences errors, a backed-up ' +
        'audience-sync queue or requests in its DLQ (a user who opted out may still be in a segment).',
      children: [fnAlarms.errors, age, dlq],
    });
  }

  private createTopics(): Record<AlarmSeverity, sns.Topic> {
    const cfg = this.config;
    const key = createKey(this, 'AlarmTopicsKey', cfg, 'alarm-topics');
    // CloudWatch encrypts the alarm messages it publishes with the topics' key (AWS's documented
    // key policy statement for alarms on SSE topics).
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    const make = (severity: AlarmSeverity): sns.Topic => {
      const topic = new sns.Topic(this, severity === 'critical' ? 'CriticalTopic' : 'WarningTopic', {
        topicName: `${cfg.alarms.topicName}-${severity}`,
        displayName: `daily-notifications ${cfg.name} ${severity} alarms`,
        masterKey: key,
        enforceSSL: true,
      });
      // The topic policy replaces SNS's default one: only this account's alarms may publish.
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowThisAccountsAlarms',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            ArnLike: {
              'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*`,
            },
            StringEquals: { 'aws:SourceAccount': this.account },
          },
        }),
      );
      for (const s of cfg.alarms.subscriptions[severity]) {
        if (s.protocol === 'email') topic.addSubscription(new subs.EmailSubscription(s.endpoint));
        else if (s.protocol === 'https') topic.addSubscription(new subs.UrlSubscription(s.endpoint));
        else topic.addSubscription(new subs.SqsSubscription(sqsFromArn(this, s.endpoint)));
      }
      return topic;
    };
    return { critical: make('critical'), warning: make('warning') };
  }

  private monitorNotifications(n: NotificationSystem): void {
    const a = this.alarms;
    const system: MonitoredSystem = 'notification';
    // Errors of every function feed a composite; throttles only where the API's callers see them.
    const fn = Object.fromEntries(
      FUNCTION_NAMES.map((name) => [
        name,
        this.functionAlarms(system, n.functions[name], API_FUNCTIONS.includes(name)),
      ]),
    ) as Record<FunctionName, FunctionAlarms>;

    const generate = queueNames(n.generateQueue);
    const queueAge = this.queueAgeAlarm(system, 'generate-queue', generate.queue, true);
    const generateDlq = this.dlqAlarm(system, 'generate-dlq', generate.dlq, n.generateQueue.deadLetters);
    const dailyRunDlq = this.dlqAlarm(
      system,
      'daily-run-dlq',
      literalName(n.dailyRunDlq.node.path, n.dailyRunDlq.queueName),
      n.dailyRunDlq.holds,
    );
    const heartbeat = this.heartbeatAlarm(system, n.functions['find-daily']);
    // generate rejects a definition it can never generate once (no retries): say so at once.
    const rejected = a.alarm(system, {
      key: 'generate-definitions-rejected',
      runbook: 'definitions-rejected',
      severity: 'critical',
      summary:
        "generate rejected a notification definition it cannot generate (DefinitionsRejected): that notification's recipients get nothing.",
      metric: metrics.emf(this.config, n.functions.generate, 'DefinitionsRejected', {
        statistic: 'Sum',
        period: a.period,
      }),
      threshold: 1,
      comparison: Cmp.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      feedsComposite: true,
    });
    this.tableAlarms(system, n);
    const api = this.apiAlarms(system, n);

    a.composite(system, {
      key: 'generation-late',
      runbook: 'generation-late',
      severity: 'critical',
      summary:
        "Today's notifications are late or incomplete: no DailyRunCompleted by the deadline, errors in " +
        'find-daily or generate, a backed-up queue, messages in a DLQ, or a rejected definition.',
      children: [
        heartbeat,
        fn['find-daily'].errors,
        fn.generate.errors,
        queueAge,
        generateDlq,
        dailyRunDlq,
        rejected,
      ],
    });
    a.composite(system, {
      key: 'api-unavailable',
      runbook: 'api-unavailable',
      severity: 'critical',
      summary:
        'The notifications API is failing requests: 5XX responses, errors or throttles of get-notifications, ' +
        'update-notifications or manage-notifications (the admin routes).',
      children: [api.error5xx, ...API_FUNCTIONS.flatMap((name) => [fn[name].errors, fn[name].throttles])],
    });
  }

  /** AWS recommended Lambda alarms: errors, throttles, p99 duration near timeout, concurrency. */
  private functionAlarms(
    system: MonitoredSystem,
    fn: VpcFunction,
    throttlesFeedComposite = false,
  ): FunctionAlarms {
    const { name, sizing } = fn;
    const a = this.alarms;
    const t = this.config.alarms.lambda;
    const period = a.period;
    const errors = a.alarm(system, {
      key: `${name}-errors`,
      runbook: 'function-errors',
      severity: 'warning',
      summary: `${name} invocations failed (Errors >= ${t.errors} in ${this.config.alarms.periodMinutes} min).`,
      metric: metrics.lambda(fn, 'Errors', { statistic: 'Sum', period }),
      threshold: t.errors,
      comparison: Cmp.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      feedsComposite: true,
    });
    const throttles = a.alarm(system, {
      key: `${name}-throttles`,
      runbook: 'function-throttles',
      severity: 'warning',
      summary: `${name} invocations were throttled (reserved concurrency ${sizing.reservedConcurrency} reached).`,
      metric: metrics.lambda(fn, 'Throttles', { statistic: 'Sum', period }),
      threshold: t.throttles,
      comparison: Cmp.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      feedsComposite: throttlesFeedComposite,
    });
    const durationMs = Math.floor((sizing.timeoutSeconds * 1000 * t.durationP99PercentOfTimeout) / 100);
    a.alarm(system, {
      key: `${name}-duration`,
      runbook: 'function-duration',
      severity: 'warning',
      summary: `${name} p99 duration is at ${t.durationP99PercentOfTimeout}% of its ${sizing.timeoutSeconds} s timeout.`,
      metric: metrics.lambda(fn, 'Duration', { statistic: 'p99', period }),
      threshold: durationMs,
      comparison: Cmp.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    a.alarm(system, {
      key: `${name}-concurrency`,
      runbook: 'function-concurrency',
      severity: 'warning',
      summary: `${name} runs at ${t.concurrencyPercentOfReserved}% of its reserved concurrency (${sizing.reservedConcurrency}).`,
      metric: metrics.lambda(fn, 'ConcurrentExecutions', { statistic: 'Maximum', period }),
      threshold: Math.max(1, Math.ceil((sizing.reservedConcurrency * t.concurrencyPercentOfReserved) / 100)),
      comparison: Cmp.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    return { errors, throttles };
  }

  private queueAgeAlarm(system: MonitoredSystem, key: string, queue: string, feedsComposite: boolean) {
    const seconds = this.config.alarms.queueOldestMessageAgeSeconds;
    return this.alarms.alarm(system, {
      key: `${key}-age`,
      runbook: 'queue-age',
      severity: 'warning',
      summary: `The oldest message in ${key} has waited ${seconds} s: its consumer is not keeping up or is failing.`,
      metric: metrics.sqs(queue, 'ApproximateAgeOfOldestMessage', {
        statistic: 'Maximum',
        period: this.alarms.period,
      }),
      threshold: seconds,
      comparison: Cmp.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      feedsComposite,
    });
  }

  private dlqAlarm(system: MonitoredSystem, key: string, queue: string, what: string) {
    return this.alarms.alarm(system, {
      key: `${key}-not-empty`,
      runbook: 'dlq-not-empty',
      severity: 'critical',
      summary: `${key} holds messages: ${what}.`,
      metric: metrics.sqs(queue, 'ApproximateNumberOfMessagesVisible', {
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: 0,
      comparison: Cmp.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      feedsComposite: true,
    });
  }

  /**
   * The daily run's heartbeat: find-daily emits DailyRunCompleted once a run has queued the day's
   * work. The alarm looks at the last 24 h in periods of `heartbeatDeadlineMinutes` and fires when
   * every one of them lacks the metric (missing data is breaching), i.e. at the latest one
   * deadline after the scheduled start on a day without a completed run.
   */
  private heartbeatAlarm(system: MonitoredSystem, findDaily: VpcFunction): cloudwatch.Alarm {
    const cfg = this.config;
    const minutes = cfg.alarms.heartbeatDeadlineMinutes;
    const periods = (24 * 60) / minutes;
    return this.alarms.alarm(system, {
      key: 'daily-run-heartbeat',
      runbook: 'daily-run-heartbeat',
      severity: 'critical',
      summary: `No DailyRunCompleted from find-daily in the last 24 h (deadline ${minutes} min after the schedule, ${cfg.schedule.expression} ${cfg.schedule.timezone}).`,
      metric: metrics.emf(cfg, findDaily, 'DailyRunCompleted', {
        statistic: 'Sum',
        period: Duration.minutes(minutes),
      }),
      threshold: 1,
      comparison: Cmp.LESS_THAN_THRESHOLD,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      missing: Missing.BREACHING,
      feedsComposite: true,
    });
  }

  private tableAlarms(system: MonitoredSystem, n: NotificationSystem): void {
    const cfg = this.config;
    const a = this.alarms;
    const period = a.period;
    for (const [kind, metricName] of [
      ['read', 'ReadThrottleEvents'],
      ['write', 'WriteThrottleEvents'],
    ] as const) {
      a.alarm(system, {
        key: `table-${kind}-throttles`,
        runbook: 'table-throttles',
        severity: 'warning',
        summary: `The Notifications table throttled ${kind} requests (${metricName}).`,
        metric: metrics.dynamodb(n.table, metricName, { statistic: 'Sum', period }),
        threshold: cfg.alarms.dynamodb.throttleEvents,
        comparison: Cmp.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
      // An index throttles on its own (and a throttled index write holds back the table's).
      for (const index of n.table.indexNames) {
        a.alarm(system, {
          key: `table-index-${index}-${kind}-throttles`,
          runbook: 'table-throttles',
          severity: 'warning',
          summary: `The Notifications table's ${index} index throttled ${kind} requests (${metricName}).`,
          metric: metrics.dynamodbIndex(n.table, index, metricName, { statistic: 'Sum', period }),
          threshold: cfg.alarms.dynamodb.throttleEvents,
          comparison: Cmp.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        });
      }
    }
    const perOperation = Object.fromEntries(
      TABLE_OPERATIONS.map((op) => [
        op.toLowerCase(),
        metrics.dynamodb(n.table, 'SystemErrors', { statistic: 'Sum', period }, op),
      ]),
    );
    for (const { key, metric } of sumOrEach(cfg, 'SystemErrors', perOperation, period)) {
      a.alarm(system, {
        key: key === '' ? 'table-system-errors' : `table-system-errors-${key}`,
        runbook: 'table-system-errors',
        severity: 'warning',
        summary: `DynamoDB returned internal errors (SystemErrors${key === '' ? '' : ` on ${key}`}) for the Notifications table.`,
        metric,
        threshold: cfg.alarms.dynamodb.systemErrors,
        comparison: Cmp.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }
  }

  /** 5XX and 4XX as a share of requests (Average of the 0/1 metric), p99 latency. */
  private apiAlarms(system: MonitoredSystem, n: NotificationSystem): { error5xx: cloudwatch.Alarm } {
    const t = this.config.alarms.api;
    const a = this.alarms;
    const period = a.period;
    const error5xx = a.alarm(system, {
      key: 'api-5xx-rate',
      runbook: 'api-5xx-rate',
      severity: 'warning',
      summary: `More than ${t.error5xxPercent}% of API requests got a 5XX response.`,
      metric: metrics.api(n.api, '5XXError', { statistic: 'Average', period }),
      threshold: t.error5xxPercent / 100,
      comparison: Cmp.GREATER_THAN_THRESHOLD,
      feedsComposite: true,
    });
    a.alarm(system, {
      key: 'api-4xx-rate',
      runbook: 'api-4xx-rate',
      severity: 'warning',
      summary: `More than ${t.error4xxPercent}% of API requests got a 4XX response (a caller is broken or denied).`,
      metric: metrics.api(n.api, '4XXError', { statistic: 'Average', period }),
      threshold: t.error4xxPercent / 100,
      comparison: Cmp.GREATER_THAN_THRESHOLD,
    });
    a.alarm(system, {
      key: 'api-latency-p99',
      runbook: 'api-latency-p99',
      severity: 'warning',
      summary: `API p99 latency is above ${t.latencyP99Ms} ms.`,
      metric: metrics.api(n.api, 'Latency', { statistic: 'p99', period }),
      threshold: t.latencyP99Ms,
      comparison: Cmp.GREATER_THAN_THRESHOLD,
    });
    // The same three per route (the stage's detailed metrics), so a failing or slow route is
    // named by its alarm even when the others keep the API-wide rate low.
    for (const route of n.api.routes) {
      const key = `api-${routeKey(route)}`;
      const where = `${route.method} /${route.path}`;
      const metric = (name: string, statistic: string) =>
        metrics.apiRoute(n.api, route, name, { statistic, period });
      a.alarm(system, {
        key: `${key}-5xx-rate`,
        runbook: 'api-5xx-rate',
        severity: 'warning',
        summary: `More than ${t.error5xxPercent}% of ${where} requests got a 5XX response.`,
        metric: metric('5XXError', 'Average'),
        threshold: t.error5xxPercent / 100,
        comparison: Cmp.GREATER_THAN_THRESHOLD,
      });
      a.alarm(system, {
        key: `${key}-4xx-rate`,
        runbook: 'api-4xx-rate',
        severity: 'warning',
        summary: `More than ${t.error4xxPercent}% of ${where} requests got a 4XX response.`,
        metric: metric('4XXError', 'Average'),
        threshold: t.error4xxPercent / 100,
        comparison: Cmp.GREATER_THAN_THRESHOLD,
      });
      a.alarm(system, {
        key: `${key}-latency-p99`,
        runbook: 'api-latency-p99',
        severity: 'warning',
        summary: `${where} p99 latency is above ${t.latencyP99Ms} ms.`,
        metric: metric('Latency', 'p99'),
        threshold: t.latencyP99Ms,
        comparison: Cmp.GREATER_THAN_THRESHOLD,
      });
    }
    return { error5xx };
  }

  private auroraAlarms(clusterIdentifier: string): void {
    const t = this.config.alarms.aurora;
    const period = this.alarms.period;
    const metric = (metricName: string, statistic: string) =>
      metrics.rds(clusterIdentifier, metricName, { statistic, period });
    const mb = 1024 * 1024;
    const specs: [string, string, string, number, cloudwatch.ComparisonOperator, string][] = [
      [
        'cpu',
        'CPUUtilization',
        'Maximum',
        t.cpuPercent,
        Cmp.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        `CPU at ${t.cpuPercent}% or more`,
      ],
      [
        'connections',
        'DatabaseConnections',
        'Maximum',
        t.connections,
        Cmp.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        `${t.connections} or more connections`,
      ],
      [
        'freeable-memory',
        'FreeableMemory',
        'Minimum',
        t.freeableMemoryMb * mb,
        Cmp.LESS_THAN_THRESHOLD,
        `less than ${t.freeableMemoryMb} MB of freeable memory`,
      ],
      [
        'free-local-storage',
        'FreeLocalStorage',
        'Minimum',
        t.freeLocalStorageMb * mb,
        Cmp.LESS_THAN_THRESHOLD,
        `less than ${t.freeLocalStorageMb} MB of free local storage`,
      ],
      [
        'deadlocks',
        'Deadlocks',
        'Average',
        t.deadlocksPerSecond,
        Cmp.GREATER_THAN_THRESHOLD,
        `more than ${t.deadlocksPerSecond} deadlocks per second`,
      ],
    ];
    for (const [key, metricName, statistic, threshold, comparison, what] of specs) {
      this.alarms.alarm('data-pipeline', {
        key: `aurora-${key}`,
        runbook: `aurora-${key}`,
        severity: 'warning',
        summary: `Aurora cluster ${clusterIdentifier}: ${what}.`,
        metric: metric(metricName, statistic),
        threshold,
        comparison,
      });
    }
  }
}

/** The functions behind the API: their errors and throttles are the API's. */
const API_FUNCTIONS: readonly FunctionName[] = [
  'get-notifications',
  'update-notifications',
  'manage-notifications',
];

/** A route as an alarm key: `get-users-notifications-count` for GET users/{userId}/notifications/count. */
function routeKey(route: ApiRoute): string {
  const parts = route.path.split('/').filter((p) => !p.startsWith('{'));
  return [route.method.toLowerCase(), ...parts].join('-');
}

interface FunctionAlarms {
  readonly errors: cloudwatch.Alarm;
  readonly throttles: cloudwatch.Alarm;
}

/** A subscriber queue named by ARN in the config (it lives outside this app). */
function sqsFromArn(scope: Construct, arn: string): sqs.IQueue {
  return sqs.Queue.fromQueueArn(scope, `Subscriber-${arn.split(':').pop()}`, arn);
}
