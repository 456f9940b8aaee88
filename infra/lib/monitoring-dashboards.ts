/**
 * One CloudWatch dashboard per system: alarm status first, then the golden signals (traffic,
 * errors, latency, saturation) of each component and the EMF business metrics.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { EnvConfig } from '../config/types';
import type { VpcFunction } from './constructs/function';
import { FUNCTION_NAMES, resourcePrefix } from './naming';
import { metrics, queueNames, type DataPipeline, type NotificationSystem } from './monitoring-metrics';

const PERIOD = Duration.minutes(5);
const W = 24;

function emf(cfg: EnvConfig, service: VpcFunction, names: string[]): cloudwatch.IMetric[] {
  return names.map((name) => metrics.emf(cfg, service, name, { statistic: 'Sum', period: PERIOD }));
}

function graph(title: string, left: cloudwatch.IMetric[], width = 8): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left, width, height: 6 });
}

const p = (statistic: string) => ({ statistic, period: PERIOD });

/** Invocations/errors/throttles, p50/p99 duration, concurrency of one function. */
function functionRow(title: string, fn: VpcFunction): cloudwatch.IWidget[] {
  return [
    graph(`${title}: invocations, errors, throttles`, [
      metrics.lambda(fn, 'Invocations', p('Sum')),
      metrics.lambda(fn, 'Errors', p('Sum')),
      metrics.lambda(fn, 'Throttles', p('Sum')),
    ]),
    graph(`${title}: duration p50 / p99 (ms)`, [
      metrics.lambda(fn, 'Duration', p('p50')),
      metrics.lambda(fn, 'Duration', p('p99')),
    ]),
    graph(`${title}: concurrent executions (max)`, [
      metrics.lambda(fn, 'ConcurrentExecutions', p('Maximum')),
    ]),
  ];
}

function queueRow(title: string, queue: string, dlq: string): cloudwatch.IWidget[] {
  return [
    graph(`${title}: messages sent / visible`, [
      metrics.sqs(queue, 'NumberOfMessagesSent', p('Sum')),
      metrics.sqs(queue, 'ApproximateNumberOfMessagesVisible', p('Maximum')),
    ]),
    graph(`${title}: age of oldest message (s)`, [
      metrics.sqs(queue, 'ApproximateAgeOfOldestMessage', p('Maximum')),
    ]),
    graph(`${title} DLQ: messages visible`, [
      metrics.sqs(dlq, 'ApproximateNumberOfMessagesVisible', p('Maximum')),
    ]),
  ];
}

export function notificationDashboard(
  scope: Construct,
  cfg: EnvConfig,
  n: NotificationSystem,
  alarms: cloudwatch.IAlarm[],
): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'NotificationDashboard', {
    dashboardName: `${resourcePrefix(cfg.name)}-notification`,
    defaultInterval: Duration.days(1),
  });
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({ title: 'Notification system alarms', alarms, width: W, height: 6 }),
  );
  dashboard.addWidgets(
    graph('API traffic (requests)', [metrics.api(n.api, 'Count', p('Sum'))], 6),
    graph(
      'API errors (share of requests)',
      [metrics.api(n.api, '5XXError', p('Average')), metrics.api(n.api, '4XXError', p('Average'))],
      6,
    ),
    graph(
      'API latency p50 / p99 (ms)',
      [metrics.api(n.api, 'Latency', p('p50')), metrics.api(n.api, 'Latency', p('p99'))],
      6,
    ),
    graph(
      'API: NotificationsServed, BadRequests',
      emf(cfg, n.functions['get-notifications'], ['NotificationsServed', 'BadRequests']),
      6,
    ),
  );
  for (const name of FUNCTION_NAMES) dashboard.addWidgets(...functionRow(name, n.functions[name]));
  const generate = queueNames(n.generateQueue);
  dashboard.addWidgets(...queueRow('GenerateMessage queue', generate.queue, generate.dlq));
  dashboard.addWidgets(
    graph(
      'Daily run: DailyRunCompleted, NotificationsQueued',
      emf(cfg, n.functions['find-daily'], ['DailyRunCompleted', 'NotificationsQueued']),
    ),
    graph(
      'generate: InboxRecordsWritten, ContinuationsQueued, MessagesFailed',
      emf(cfg, n.functions.generate, ['InboxRecordsWritten', 'ContinuationsQueued', 'MessagesFailed']),
    ),
    graph('Daily-run DLQ: messages visible', [
      metrics.sqs(n.dailyRunDlq.queueName, 'ApproximateNumberOfMessagesVisible', p('Maximum')),
    ]),
  );
  dashboard.addWidgets(
    graph('Table: consumed read / write capacity', [
      metrics.dynamodb(n.table, 'ConsumedReadCapacityUnits', p('Sum')),
      metrics.dynamodb(n.table, 'ConsumedWriteCapacityUnits', p('Sum')),
    ]),
    graph('Table: throttle events', [
      metrics.dynamodb(n.table, 'ReadThrottleEvents', p('Sum')),
      metrics.dynamodb(n.table, 'WriteThrottleEvents', p('Sum')),
    ]),
    graph('Table: Query latency (ms)', [
      metrics.dynamodb(n.table, 'SuccessfulRequestLatency', p('Average'), 'Query'),
    ]),
  );
  return dashboard;
}

export function pipelineDashboard(
  scope: Construct,
  cfg: EnvConfig,
  data: DataPipeline,
  alarms: cloudwatch.IAlarm[],
): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'PipelineDashboard', {
    dashboardName: `${resourcePrefix(cfg.name)}-data-pipeline`,
    defaultInterval: Duration.days(7),
  });
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({ title: 'Data pipeline alarms', alarms, width: W, height: 6 }),
  );
  dashboard.addWidgets(
    graph('Loads: LoadsFailed', emf(cfg, data.loader, ['LoadsFailed'])),
    graph('Rows: RowsRead, RowsRejected', emf(cfg, data.loader, ['RowsRead', 'RowsRejected'])),
  );
  dashboard.addWidgets(...functionRow(data.loader.name, data.loader));
  const ingest = queueNames(data.ingest);
  dashboard.addWidgets(...queueRow('Ingest queue', ingest.queue, ingest.dlq));
  const cluster = data.database.clusterIdentifier;
  if (cluster !== undefined) {
    dashboard.addWidgets(
      graph('Aurora: CPU (%)', [metrics.rds(cluster, 'CPUUtilization', p('Maximum'))], 6),
      graph('Aurora: connections', [metrics.rds(cluster, 'DatabaseConnections', p('Maximum'))], 6),
      graph(
        'Aurora: freeable memory / local storage (bytes)',
        [
          metrics.rds(cluster, 'FreeableMemory', p('Minimum')),
          metrics.rds(cluster, 'FreeLocalStorage', p('Minimum')),
        ],
        6,
      ),
      graph('Aurora: deadlocks (per second)', [metrics.rds(cluster, 'Deadlocks', p('Average'))], 6),
    );
  }
  return dashboard;
}
