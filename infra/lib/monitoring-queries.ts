/**
 * Saved CloudWatch Logs Insights queries for the common investigations. The functions log one
 * JSON object per line (timestamp, level, message, service, requestId, traceId) and EMF lines;
 * Lambda adds its REPORT lines; API Gateway writes JSON access logs.
 */
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { EnvConfig } from '../config/types';
import type { MonitoredSystem } from './monitoring-alarms';
import { resourcePrefix } from './naming';

/** Log groups the queries read: every function's; for the notification system also these. */
export interface QueryLogGroups {
  readonly functions: string[];
  /** find-daily and generate. */
  readonly dailyRun?: string[];
  readonly generate?: string[];
  /** The API's access logs. */
  readonly apiAccess?: string[];
}

interface Query {
  readonly name: string;
  readonly logGroups: string[];
  readonly query: string;
}

/** The query texts (exported for the tests and docs/MONITORING.md). */
export function queriesFor(_cfg: EnvConfig, system: MonitoredSystem, groups: QueryLogGroups): Query[] {
  const common: Query[] = [
    {
      name: 'errors-by-function',
      logGroups: groups.functions,
      query: [
        'fields @timestamp, service, message, requestId',
        'filter level = "ERROR"',
        'stats count(*) as errors, earliest(@timestamp) as first, latest(@timestamp) as last by service, message',
        'sort errors desc',
        'limit 50',
      ].join('\n| '),
    },
    {
      name: 'slowest-invocations',
      logGroups: groups.functions,
      query: [
        'filter @type = "REPORT"',
        'fields @timestamp, @log, @requestId, @duration, @billedDuration, @maxMemoryUsed, @initDuration',
        'sort @duration desc',
        'limit 25',
      ].join('\n| '),
    },
    {
      name: 'cold-starts-and-memory',
      logGroups: groups.functions,
      query: [
        'filter @type = "REPORT"',
        'stats count(*) as invocations, count(@initDuration) as coldStarts, max(@initDuration) as maxInitMs, max(@maxMemoryUsed / 1024 / 1024) as maxMemoryMb by @log, bin(1h)',
      ].join('\n| '),
    },
  ];
  if (system === 'data-pipeline') {
    return [
      ...common,
      {
        name: 'loader-runs',
        logGroups: groups.functions,
        query: [
          'filter ispresent(RowsRead) or ispresent(LoadsFailed) or level in ["WARN", "ERROR"]',
          'fields @timestamp, level, message, RowsRead, RowsRejected, LoadsFailed, requestId',
          'sort @timestamp desc',
          'limit 100',
        ].join('\n| '),
      },
    ];
  }
  return [
    ...common,
    {
      name: 'daily-run-timeline',
      logGroups: groups.dailyRun ?? [],
      query: [
        'filter service = "find-daily" or level in ["WARN", "ERROR"] or ispresent(MessagesFailed) or ispresent(DailyRunCompleted)',
        'fields @timestamp, service, level, message, NotificationsQueued, DailyRunCompleted, MessagesFailed, requestId',
        'sort @timestamp asc',
        'limit 200',
      ].join('\n| '),
    },
    {
      name: 'failed-generate-messages',
      logGroups: groups.generate ?? [],
      query: [
        'filter (ispresent(MessagesFailed) and MessagesFailed > 0) or level = "ERROR"',
        'fields @timestamp, level, message, MessagesFailed, requestId',
        'sort @timestamp desc',
        'limit 100',
      ].join('\n| '),
    },
    {
      name: 'api-5xx',
      logGroups: groups.apiAccess ?? [],
      query: [
        'fields @timestamp, requestId, httpMethod, resourcePath, status, caller, ip',
        'filter status >= 500',
        'sort @timestamp desc',
        'limit 100',
      ].join('\n| '),
    },
    {
      name: 'api-status-by-caller',
      logGroups: groups.apiAccess ?? [],
      query: ['stats count(*) as requests by status, caller', 'sort requests desc', 'limit 50'].join('\n| '),
    },
  ];
}

export function addQueryDefinitions(
  scope: Construct,
  cfg: EnvConfig,
  system: MonitoredSystem,
  groups: QueryLogGroups,
): void {
  if (!cfg.alarms.queryDefinitions.enabled) return;
  for (const q of queriesFor(cfg, system, groups)) {
    new logs.CfnQueryDefinition(scope, `Query-${system}-${q.name}`, {
      name: `${resourcePrefix(cfg.name)}/${system}/${q.name}`,
      logGroupNames: q.logGroups,
      queryString: q.query,
    });
  }
}
