/**
 * What the monitoring stack is fed, and the metrics it builds. It is handed the typed constructs
 * of each system (their literal physical names, sizing and log groups; no reflection over
 * CloudFormation properties, no names rebuilt from strings) and addresses metrics by those names:
 * it never imports a token from another stack, so no CloudFormation export ties a monitored stack
 * to it and either can be updated without the other blocking the change.
 */
import { Token, type Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { EnvConfig } from '../config/types';
import type { ApiRoute, ServiceApi } from './constructs/api';
import type { Database } from './constructs/database';
import type { VpcFunction } from './constructs/function';
import type { DeadLetterQueue, WorkQueue } from './constructs/queue';
import type { NotificationsTable } from './constructs/table';
import type { FunctionName } from './naming';

/** The notification system's monitored resources (NotificationsStack has exactly these). */
export interface NotificationSystem {
  readonly functions: Readonly<Record<FunctionName, VpcFunction>>;
  readonly generateQueue: WorkQueue;
  readonly dailyRunDlq: DeadLetterQueue;
  readonly table: NotificationsTable;
  readonly api: ServiceApi;
}

/** The data pipeline's monitored resources (DataStack has exactly these). */
export interface DataPipeline {
  readonly loader: VpcFunction;
  readonly ingest: WorkQueue;
  /** Alarmed where it is Aurora (`clusterIdentifier` set). */
  readonly database: Database;
  /** sync-audiences and its queue. */
  readonly audienceSync: { readonly fn: VpcFunction; readonly queue: WorkQueue };
}

/**
 * `name` when it is a literal; throws when it is a token (a name CloudFormation generates): such a
 * resource cannot be monitored by name from another stack and must be given one.
 */
export function literalName(path: string, name: string): string {
  if (Token.isUnresolved(name)) throw new Error(`${path}: no literal physical name to monitor it by`);
  return name;
}

export interface MetricOpts {
  readonly statistic: string;
  readonly period: Duration;
  readonly label?: string;
}

function metric(
  namespace: string,
  metricName: string,
  dimensionsMap: Record<string, string>,
  o: MetricOpts,
): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace, metricName, dimensionsMap, ...o });
}

export const metrics = {
  lambda: (fn: VpcFunction, name: string, o: MetricOpts) =>
    metric('AWS/Lambda', name, { FunctionName: literalName(fn.node.path, fn.functionName) }, o),
  sqs: (queue: string, name: string, o: MetricOpts) => metric('AWS/SQS', name, { QueueName: queue }, o),
  dynamodb: (table: NotificationsTable, name: string, o: MetricOpts, operation?: string) => {
    const tableName = literalName(table.node.path, table.tableName);
    return metric(
      'AWS/DynamoDB',
      name,
      operation ? { TableName: tableName, Operation: operation } : { TableName: tableName },
      o,
    );
  },
  /** A metric of one global secondary index of the table. */
  dynamodbIndex: (table: NotificationsTable, index: string, name: string, o: MetricOpts) =>
    metric(
      'AWS/DynamoDB',
      name,
      { TableName: literalName(table.node.path, table.tableName), GlobalSecondaryIndexName: index },
      o,
    ),
  api: (api: ServiceApi, name: string, o: MetricOpts) =>
    metric('AWS/ApiGateway', name, { ApiName: literalName(api.node.path, api.restApiName) }, o),
  /** A route's metric: the stage's detailed metrics carry Method, Resource and Stage. */
  apiRoute: (api: ServiceApi, route: ApiRoute, name: string, o: MetricOpts) =>
    metric(
      'AWS/ApiGateway',
      name,
      {
        ApiName: literalName(api.node.path, api.restApiName),
        Method: route.method,
        Resource: `/${route.path}`,
        Stage: api.stageName,
      },
      o,
    ),
  rds: (cluster: string, name: string, o: MetricOpts) =>
    metric('AWS/RDS', name, { DBClusterIdentifier: cluster }, o),
  /** A custom EMF metric: the runtime writes dimension set [["service"]] (SERVICE_NAME). */
  emf: (cfg: EnvConfig, fn: VpcFunction, name: string, o: MetricOpts) =>
    metric(cfg.functions.metricsNamespace, name, { service: fn.name }, o),
};

/** The literal queue and DLQ names of a work queue. */
export function queueNames(q: WorkQueue): { queue: string; dlq: string } {
  return { queue: literalName(q.node.path, q.queueName), dlq: literalName(q.node.path, q.dlqName) };
}
