import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { ENV_NAMES, loadConfig, type EnvName } from '../config';
import { literalName } from '../lib/monitoring-metrics';
import { queriesFor } from '../lib/monitoring-queries';
import { TABLE_OPERATIONS } from '../lib/monitoring-stack';
import { FUNCTION_NAMES, lambdaLogGroupName } from '../lib/naming';
import { synthEnv, type CfnTemplate } from './support/synth';

type Props = Record<string, unknown>;
interface NamedTemplate {
  readonly name: string;
  readonly template: CfnTemplate;
}

const RUNBOOK = path.resolve(__dirname, '..', '..', 'docs', 'RUNBOOK.md');

/** Every stack template of an environment, as deployed (the cloud assembly). */
function envTemplates(env: EnvName): NamedTemplate[] {
  return synthEnv(env)
    .app.synth()
    .stacks.map((s) => ({ name: s.stackName, template: s.template as CfnTemplate }));
}

function ofType(t: CfnTemplate, type: string): [string, Props][] {
  return Object.entries(t.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, (r.Properties ?? {}) as Props]);
}

function monitoringTemplate(env: EnvName): CfnTemplate {
  return envTemplates(env).find((s) => s.name.endsWith('-Monitoring'))!.template;
}

// ---------------------------------------------------------------------------------------------
// "No unmonitored resource": the rules, as data, and the checker.
// ---------------------------------------------------------------------------------------------

interface Rule {
  readonly namespace: string;
  readonly dimension: string;
  /** Property holding the resource's physical name (what the metric dimension carries). */
  readonly nameProperty: string;
  readonly metrics: (isDlq: boolean) => string[];
  /** Only an alarm on the resource as a whole counts (not one narrowed by more dimensions). */
  readonly wholeResource?: boolean;
}

/** AWS recommended alarms per resource type (what "has its alarms" means). */
const RULES: Record<string, Rule> = {
  'AWS::Lambda::Function': {
    namespace: 'AWS/Lambda',
    dimension: 'FunctionName',
    nameProperty: 'FunctionName',
    metrics: () => ['Errors', 'Throttles', 'Duration', 'ConcurrentExecutions'],
  },
  'AWS::SQS::Queue': {
    namespace: 'AWS/SQS',
    dimension: 'QueueName',
    nameProperty: 'QueueName',
    metrics: (isDlq) => (isDlq ? ['ApproximateNumberOfMessagesVisible'] : ['ApproximateAgeOfOldestMessage']),
  },
  'AWS::DynamoDB::Table': {
    namespace: 'AWS/DynamoDB',
    dimension: 'TableName',
    nameProperty: 'TableName',
    metrics: () => ['ReadThrottleEvents', 'WriteThrottleEvents', 'SystemErrors'],
  },
  'AWS::ApiGateway::RestApi': {
    namespace: 'AWS/ApiGateway',
    dimension: 'ApiName',
    nameProperty: 'Name',
    metrics: () => ['5XXError', '4XXError', 'Latency'],
    // A route's alarm (Method, Resource, Stage) does not stand in for the API-wide one.
    wholeResource: true,
  },
  'AWS::RDS::DBCluster': {
    namespace: 'AWS/RDS',
    dimension: 'DBClusterIdentifier',
    nameProperty: 'DBClusterIdentifier',
    metrics: () => [
      'CPUUtilization',
      'DatabaseConnections',
      'FreeableMemory',
      'FreeLocalStorage',
      'Deadlocks',
    ],
  },
};

/** What a dimension value or a resource points at: `lit:<name>` or `ref:<stack>/<logicalId>`. */
function identity(value: unknown, stack: NamedTemplate, all: NamedTemplate[]): string | undefined {
  if (typeof value === 'string') return `lit:${value}`;
  if (!value || typeof value !== 'object') return undefined;
  const o = value as Record<string, unknown>;
  if (typeof o.Ref === 'string') return `ref:${stack.name}/${o.Ref}`;
  if (Array.isArray(o['Fn::GetAtt'])) return `ref:${stack.name}/${String(o['Fn::GetAtt'][0])}`;
  if (o['Fn::ImportValue'] !== undefined) {
    for (const other of all) {
      for (const out of Object.values(other.template.Outputs ?? {})) {
        if (JSON.stringify(out.Export?.Name) === JSON.stringify(o['Fn::ImportValue'])) {
          return identity(out.Value, other, all);
        }
      }
    }
  }
  return undefined;
}

interface AlarmMetric {
  readonly namespace: string;
  readonly metric: string;
  readonly dims: Map<string, string | undefined>;
}

function alarmMetrics(p: Props, stack: NamedTemplate, all: NamedTemplate[]): AlarmMetric[] {
  const raw: Props[] = [];
  if (p.MetricName !== undefined) raw.push(p);
  for (const m of (p.Metrics as Props[] | undefined) ?? []) {
    const stat = m.MetricStat as Props | undefined;
    if (stat) raw.push(stat.Metric as Props);
  }
  return raw.map((m) => ({
    namespace: String(m.Namespace),
    metric: String(m.MetricName),
    dims: new Map(
      ((m.Dimensions as { Name: string; Value: unknown }[] | undefined) ?? []).map((d) => [
        d.Name,
        identity(d.Value, stack, all),
      ]),
    ),
  }));
}

/** Logical ids of queues that receive dead letters (redrive targets, function/schedule DLQs). */
function deadLetterQueues(stack: NamedTemplate): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown, inDlq: boolean): void => {
    if (Array.isArray(v)) return v.forEach((x) => visit(x, inDlq));
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Props)) {
      const here = inDlq || k === 'deadLetterTargetArn' || k === 'DeadLetterConfig';
      if (here && k === 'Fn::GetAtt' && Array.isArray(x)) out.add(String(x[0]));
      else visit(x, here);
    }
  };
  for (const r of Object.values(stack.template.Resources)) visit(r.Properties, false);
  return out;
}

/** Every API method as `<HttpMethod> <resource path>` (the detailed metrics' Method and Resource). */
function apiMethods(stack: NamedTemplate): [string, string, string][] {
  const resources = Object.fromEntries(ofType(stack.template, 'AWS::ApiGateway::Resource'));
  const ref = (v: unknown) => (v as { Ref?: string } | undefined)?.Ref;
  const pathOf = (id: string | undefined): string =>
    id !== undefined && resources[id]
      ? `${pathOf(ref(resources[id].ParentId))}/${String(resources[id].PathPart)}`
      : '';
  return ofType(stack.template, 'AWS::ApiGateway::Method').map(([id, m]) => [
    id,
    String(m.HttpMethod),
    pathOf(ref(m.ResourceId)),
  ]);
}

/** Per route (each API method) and per global secondary index: their own alarms. */
const ROUTE_METRICS = ['5XXError', '4XXError', 'Latency'];
const INDEX_METRICS = ['ReadThrottleEvents', 'WriteThrottleEvents'];

/** One line per missing alarm: `<stack>/<resource> (<type>): no alarm on <namespace> <metric>`. */
function unmonitored(all: NamedTemplate[]): string[] {
  const metricsSeen: AlarmMetric[] = all.flatMap((s) =>
    ofType(s.template, 'AWS::CloudWatch::Alarm').flatMap(([, p]) => alarmMetrics(p, s, all)),
  );
  const problems: string[] = [];
  for (const stack of all) {
    const dlqs = deadLetterQueues(stack);
    for (const [type, rule] of Object.entries(RULES)) {
      for (const [id, p] of ofType(stack.template, type)) {
        const ids = new Set([`ref:${stack.name}/${id}`]);
        if (typeof p[rule.nameProperty] === 'string') ids.add(`lit:${String(p[rule.nameProperty])}`);
        for (const metric of rule.metrics(dlqs.has(id))) {
          const covered = metricsSeen.some(
            (m) =>
              m.namespace === rule.namespace &&
              m.metric === metric &&
              ids.has(m.dims.get(rule.dimension) ?? '') &&
              (!rule.wholeResource || m.dims.size === 1),
          );
          if (!covered)
            problems.push(`${stack.name}/${id} (${type}): no alarm on ${rule.namespace} ${metric}`);
        }
      }
    }
    for (const [id, method, resource] of apiMethods(stack)) {
      for (const metric of ROUTE_METRICS) {
        const covered = metricsSeen.some(
          (m) =>
            m.namespace === 'AWS/ApiGateway' &&
            m.metric === metric &&
            m.dims.get('Method') === `lit:${method}` &&
            m.dims.get('Resource') === `lit:${resource}`,
        );
        if (!covered)
          problems.push(`${stack.name}/${id} (${method} ${resource}): no alarm on AWS/ApiGateway ${metric}`);
      }
    }
    for (const [id, p] of ofType(stack.template, 'AWS::DynamoDB::Table')) {
      for (const gsi of (p.GlobalSecondaryIndexes as { IndexName: string }[] | undefined) ?? []) {
        for (const metric of INDEX_METRICS) {
          const covered = metricsSeen.some(
            (m) =>
              m.namespace === 'AWS/DynamoDB' &&
              m.metric === metric &&
              m.dims.get('GlobalSecondaryIndexName') === `lit:${gsi.IndexName}` &&
              m.dims.get('TableName') === `lit:${String(p.TableName)}`,
          );
          if (!covered)
            problems.push(`${stack.name}/${id} (index ${gsi.IndexName}): no alarm on AWS/DynamoDB ${metric}`);
        }
      }
    }
  }
  return problems;
}

describe('no unmonitored resource', () => {
  it.each(ENV_NAMES)('%s: every function, queue, table, API and database has its alarms', (env) => {
    const all = envTemplates(env);
    const counted = all.flatMap((s) => Object.keys(RULES).flatMap((type) => ofType(s.template, type)));
    // 7 functions (5 notification, loader, sync-audiences), 7 queues, 1 table, 1 API at least; 7 routes.
    expect(counted.length).toBeGreaterThanOrEqual(16);
    expect(all.flatMap(apiMethods)).toHaveLength(7);
    expect(unmonitored(all)).toEqual([]);
  });

  it('can fail: a new function, a new DLQ and a removed alarm are each named', () => {
    const all = structuredClone(envTemplates('prod'));
    const notif = all.find((s) => s.name.endsWith('-Notifications'))!;
    notif.template.Resources.Rogue = {
      Type: 'AWS::Lambda::Function',
      Properties: { FunctionName: 'rogue-fn', Role: 'x', Code: {} },
    };
    notif.template.Resources.RogueDlq = { Type: 'AWS::SQS::Queue', Properties: {} };
    notif.template.Resources.RogueQueue = {
      Type: 'AWS::SQS::Queue',
      Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['RogueDlq', 'Arn'] } } },
    };
    const mon = all.find((s) => s.name.endsWith('-Monitoring'))!;
    const [latency] = ofType(mon.template, 'AWS::CloudWatch::Alarm').find(
      ([, p]) => p.MetricName === 'Latency',
    )!;
    delete mon.template.Resources[latency];
    // A route without its latency alarm, and an index without its alarms.
    const [routeLatency] = ofType(mon.template, 'AWS::CloudWatch::Alarm').find(
      ([, p]) =>
        p.MetricName === 'Latency' &&
        (p.Dimensions as { Name: string; Value: unknown }[]).some(
          (d) => d.Name === 'Resource' && d.Value === '/users/{userId}/notifications/count',
        ),
    )!;
    delete mon.template.Resources[routeLatency];
    const [tableId, table] = ofType(notif.template, 'AWS::DynamoDB::Table')[0];
    (table.GlobalSecondaryIndexes as Props[]).push({ IndexName: 'rogue' });
    const stackName = notif.name;
    const [apiId] = ofType(notif.template, 'AWS::ApiGateway::RestApi')[0];
    const [countMethod] = apiMethods(notif).find(([, , r]) => r.endsWith('/count'))!;
    expect(unmonitored(all).sort()).toEqual(
      [
        ...['Errors', 'Throttles', 'Duration', 'ConcurrentExecutions'].map(
          (m) => `${stackName}/Rogue (AWS::Lambda::Function): no alarm on AWS/Lambda ${m}`,
        ),
        `${stackName}/RogueDlq (AWS::SQS::Queue): no alarm on AWS/SQS ApproximateNumberOfMessagesVisible`,
        `${stackName}/RogueQueue (AWS::SQS::Queue): no alarm on AWS/SQS ApproximateAgeOfOldestMessage`,
        `${stackName}/${apiId} (AWS::ApiGateway::RestApi): no alarm on AWS/ApiGateway Latency`,
        `${stackName}/${countMethod} (GET /users/{userId}/notifications/count): no alarm on AWS/ApiGateway Latency`,
        ...INDEX_METRICS.map((m) => `${stackName}/${tableId} (index rogue): no alarm on AWS/DynamoDB ${m}`),
      ].sort(),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe.each(ENV_NAMES)('monitoring stack (%s)', (env) => {
  const cfg = loadConfig(env);
  const t = monitoringTemplate(env);
  const alarms = ofType(t, 'AWS::CloudWatch::Alarm');
  const composites = ofType(t, 'AWS::CloudWatch::CompositeAlarm');
  const topics = ofType(t, 'AWS::SNS::Topic');
  const topicId = (severity: string) =>
    topics.find(([, p]) => p.TopicName === `${cfg.alarms.topicName}-${severity}`)![0];
  const byName = (suffix: string) =>
    alarms.find(([, p]) => p.AlarmName === `daily-notifications-${env}-${suffix}`)?.[1];

  it('has a critical and a warning topic, KMS-encrypted with a rotating CMK, TLS only', () => {
    expect(topics.map(([, p]) => p.TopicName).sort()).toEqual(
      [`${cfg.alarms.topicName}-critical`, `${cfg.alarms.topicName}-warning`].sort(),
    );
    for (const [id, p] of topics) {
      const key = (p.KmsMasterKeyId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
      expect(t.Resources[key].Type, id).toBe('AWS::KMS::Key');
      expect(t.Resources[key].Properties!.EnableKeyRotation, id).toBe(true);
    }
    for (const [, p] of ofType(t, 'AWS::SNS::TopicPolicy')) {
      const statements = (p.PolicyDocument as { Statement: Props[] }).Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      const allow = statements.find((s) => s.Effect === 'Allow')!;
      expect(allow.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
      expect(JSON.stringify(allow.Condition)).toContain('aws:SourceAccount');
    }
    const key = ofType(t, 'AWS::KMS::Key')[0][1];
    expect(JSON.stringify(key.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
  });

  it('subscribes exactly the configured endpoints to each topic', () => {
    const subs = ofType(t, 'AWS::SNS::Subscription').map(([, p]) => ({
      topic: (p.TopicArn as { Ref: string }).Ref,
      protocol: p.Protocol,
      endpoint: p.Endpoint,
    }));
    const expected = (['critical', 'warning'] as const).flatMap((sev) =>
      cfg.alarms.subscriptions[sev].map((s) => ({
        topic: topicId(sev),
        protocol: s.protocol,
        endpoint: s.endpoint,
      })),
    );
    expect(subs).toEqual(expected);
  });

  it('names a severity and an existing runbook section in every alarm description', () => {
    const runbook = fs.readFileSync(RUNBOOK, 'utf8');
    const anchors = new Set(
      [...runbook.matchAll(/^#{2,3} (.+)$/gm)].map((m) =>
        m[1]
          .trim()
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    const notif = envTemplates(env).find((s) => s.name.endsWith('-Notifications'))!.template;
    const all = [...alarms, ...composites, ...ofType(notif, 'AWS::CloudWatch::Alarm')];
    expect(all.length).toBeGreaterThan(15);
    for (const [id, p] of all) {
      const d = String(p.AlarmDescription);
      expect(d, id).toMatch(/^\[(CRITICAL|WARNING|DEPLOYMENT)\] /);
      const anchor = /Runbook: docs\/RUNBOOK\.md#([a-z0-9-]+)$/.exec(d)?.[1];
      expect(anchors.has(anchor ?? ''), `${id}: runbook anchor ${anchor}`).toBe(true);
    }
  });

  it('sends every alarm to the topic of its severity, directly or through a composite', () => {
    const ruleText = composites.map(([, p]) => JSON.stringify(p.AlarmRule)).join('\n');
    for (const [id, p] of [...alarms, ...composites]) {
      const severity = /^\[(CRITICAL|WARNING)\]/.exec(String(p.AlarmDescription))![1].toLowerCase();
      const acts = (p.AlarmActions as { Ref: string }[] | undefined) ?? [];
      if (acts.length === 0) {
        // Silent only when a composite watches it.
        expect(ruleText, `${id} has no action and no composite`).toContain(`"${id}"`);
        continue;
      }
      expect(acts, id).toEqual([{ Ref: topicId(severity) }]);
      const ok = (p.OKActions as unknown[] | undefined) ?? [];
      expect(ok, id).toEqual(severity === 'critical' ? [{ Ref: topicId('critical') }] : []);
    }
  });

  it('alarms on the daily-run heartbeat: missing DailyRunCompleted by the deadline is breaching', () => {
    const hb = byName('daily-run-heartbeat')!;
    const deadline = cfg.alarms.heartbeatDeadlineMinutes * 60;
    expect(hb).toMatchObject({
      Namespace: cfg.functions.metricsNamespace,
      MetricName: 'DailyRunCompleted',
      Dimensions: [{ Name: 'service', Value: 'find-daily' }],
      Statistic: 'Sum',
      Period: deadline,
      EvaluationPeriods: 86400 / deadline,
      DatapointsToAlarm: 86400 / deadline,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('derives the function, queue and API thresholds from the config', () => {
    const sizing = {
      'find-daily': cfg.functions.findDaily,
      generate: cfg.functions.generate,
      'get-notifications': cfg.functions.getNotifications,
      'update-notifications': cfg.functions.updateNotifications,
      'manage-notifications': cfg.functions.manageNotifications,
    };
    const l = cfg.alarms.lambda;
    for (const fn of FUNCTION_NAMES) {
      const s = sizing[fn];
      expect(byName(`${fn}-duration`), fn).toMatchObject({
        ExtendedStatistic: 'p99',
        Threshold: Math.floor((s.timeoutSeconds * 1000 * l.durationP99PercentOfTimeout) / 100),
        Dimensions: [{ Name: 'FunctionName', Value: `daily-notifications-${env}-${fn}` }],
      });
      expect(byName(`${fn}-concurrency`)!.Threshold, fn).toBe(
        Math.max(1, Math.ceil((s.reservedConcurrency * l.concurrencyPercentOfReserved) / 100)),
      );
      expect(byName(`${fn}-errors`)!.Threshold, fn).toBe(l.errors);
      expect(byName(`${fn}-errors`)!.Period, fn).toBe(cfg.alarms.periodMinutes * 60);
    }
    expect(byName('generate-queue-age')!.Threshold).toBe(cfg.alarms.queueOldestMessageAgeSeconds);
    expect(byName('api-5xx-rate')).toMatchObject({
      MetricName: '5XXError',
      Statistic: 'Average',
      Threshold: cfg.alarms.api.error5xxPercent / 100,
    });
    expect(byName('api-latency-p99')).toMatchObject({
      ExtendedStatistic: 'p99',
      Threshold: cfg.alarms.api.latencyP99Ms,
    });
    for (const dlq of ['generate-dlq', 'daily-run-dlq']) {
      expect(byName(`${dlq}-not-empty`), dlq).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    }
  });

  it(
    cfg.alarms.metricMath.enabled
      ? 'sums DynamoDB SystemErrors over the operations the functions call (metric math)'
      : 'alarms on DynamoDB SystemErrors per operation (no metric math here)',
    () => {
      const sys = alarms.filter(([, p]) => String(p.AlarmName).includes('table-system-errors'));
      const ops = sys
        .flatMap(([, p]) =>
          p.Metrics
            ? (p.Metrics as Props[])
                .filter((m) => m.MetricStat)
                .map((m) => (m.MetricStat as Props).Metric as Props)
            : [p],
        )
        .map(
          (m) =>
            (m.Dimensions as { Name: string; Value: unknown }[]).find((d) => d.Name === 'Operation')!.Value,
        );
      expect(ops.sort()).toEqual([...TABLE_OPERATIONS].sort());
      expect(sys).toHaveLength(cfg.alarms.metricMath.enabled ? 1 : TABLE_OPERATIONS.length);
      if (!cfg.alarms.metricMath.enabled) expect(alarms.filter(([, p]) => p.Metrics)).toEqual([]);
    },
  );

  it(
    cfg.alarms.compositeAlarms.enabled
      ? 'raises "generation late" and "API unavailable" as composites of their causes'
      : 'has no composite alarm (config: off) and every alarm notifies itself',
    () => {
      if (!cfg.alarms.compositeAlarms.enabled) {
        expect(composites).toEqual([]);
        for (const [id, p] of alarms) expect((p.AlarmActions as unknown[]).length, id).toBe(1);
        return;
      }
      const rule = (suffix: string) =>
        JSON.stringify(
          composites.find(([, p]) => p.AlarmName === `daily-notifications-${env}-${suffix}`)![1].AlarmRule,
        );
      const idOf = (suffix: string) =>
        alarms.find(([, p]) => p.AlarmName === `daily-notifications-${env}-${suffix}`)![0];
      for (const child of [
        'daily-run-heartbeat',
        'generate-dlq-not-empty',
        'daily-run-dlq-not-empty',
        'generate-errors',
        'find-daily-errors',
        'generate-queue-age',
      ]) {
        expect(rule('generation-late'), child).toContain(idOf(child));
      }
      for (const child of ['api-5xx-rate', 'get-notifications-errors', 'get-notifications-throttles']) {
        expect(rule('api-unavailable'), child).toContain(idOf(child));
      }
      expect(rule('generation-late')).toMatch(/ALARM\(.* OR ALARM\(/);
    },
  );

  it('has a dashboard per system whose alarm status widgets list every alarm', () => {
    const dashboards = ofType(t, 'AWS::CloudWatch::Dashboard');
    expect(dashboards.map(([, p]) => p.DashboardName)).toEqual([
      `daily-notifications-${env}-notification`,
      `daily-notifications-${env}-data-pipeline`,
    ]);
    const bodies = dashboards.map(([, p]) => JSON.stringify(p.DashboardBody));
    for (const body of bodies) expect(body).toContain('\\"type\\":\\"alarm\\"');
    for (const [id] of [...alarms, ...composites]) expect(bodies.join('\n'), id).toContain(`"${id}"`);
    for (const m of [
      'DailyRunCompleted',
      'InboxRecordsWritten',
      'NotificationsServed',
      'Latency',
      '5XXError',
    ]) {
      expect(bodies[0], m).toContain(m);
    }
    for (const m of ['LoadsFailed', 'RowsRead', 'RowsRejected', 'ApproximateAgeOfOldestMessage']) {
      expect(bodies[1], m).toContain(m);
    }
  });

  it(
    cfg.alarms.queryDefinitions.enabled
      ? 'saves the Logs Insights queries over the log groups the notifications and data stacks create'
      : 'saves no Logs Insights query (config: off)',
    () => {
      const queries = ofType(t, 'AWS::Logs::QueryDefinition');
      if (!cfg.alarms.queryDefinitions.enabled) return expect(queries).toEqual([]);
      const groups = new Set(
        envTemplates(env)
          .filter((s) => s.name.endsWith('-Notifications') || s.name.endsWith('-Data'))
          .flatMap((s) => ofType(s.template, 'AWS::Logs::LogGroup').map(([, p]) => p.LogGroupName)),
      );
      const expected = [
        ...queriesFor(cfg, 'notification', {
          functions: FUNCTION_NAMES.map((f) => lambdaLogGroupName(env, f)),
        }).map((q) => `daily-notifications-${env}/notification/${q.name}`),
        ...queriesFor(cfg, 'data-pipeline', { functions: [lambdaLogGroupName(env, 'loader')] }).map(
          (q) => `daily-notifications-${env}/data-pipeline/${q.name}`,
        ),
      ];
      expect(queries.map(([, p]) => p.Name).sort()).toEqual(expected.sort());
      for (const [id, p] of queries) {
        for (const g of p.LogGroupNames as string[]) expect(groups.has(g), `${id}: ${g}`).toBe(true);
      }
    },
  );

  it('imports nothing from another stack (alarms address resources by name)', () => {
    expect(JSON.stringify(t)).not.toContain('Fn::ImportValue');
  });
});

// ---------------------------------------------------------------------------------------------

describe.each(ENV_NAMES)('gradual deployment (%s)', (env) => {
  const cfg = loadConfig(env);
  const t = envTemplates(env).find((s) => s.name.endsWith('-Notifications'))!.template;
  const aliases = ofType(t, 'AWS::Lambda::Alias');

  it('publishes every function behind a live alias of a published version', () => {
    const fns = ofType(t, 'AWS::Lambda::Function').map(([id]) => id);
    expect(aliases.map(([, p]) => (p.FunctionName as { Ref: string }).Ref).sort()).toEqual(fns.sort());
    for (const [id, p] of aliases) {
      expect(p.Name, id).toBe('live');
      const version = (p.FunctionVersion as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
      expect(t.Resources[version].Type, id).toBe('AWS::Lambda::Version');
    }
  });

  it(
    cfg.deployment.gradual
      ? `shifts each alias with CodeDeploy (${cfg.deployment.gradual ? cfg.deployment.config : ''}) and rolls back on its alarms`
      : 'deploys without CodeDeploy (config: off)',
    () => {
      const groups = ofType(t, 'AWS::CodeDeploy::DeploymentGroup');
      if (!cfg.deployment.gradual) {
        expect(groups).toEqual([]);
        for (const [id] of aliases) expect(t.Resources[id].UpdatePolicy, id).toBeUndefined();
        return;
      }
      const configName = {
        ALL_AT_ONCE: 'CodeDeployDefault.LambdaAllAtOnce',
        CANARY_10PERCENT_5MINUTES: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
        CANARY_10PERCENT_10MINUTES: 'CodeDeployDefault.LambdaCanary10Percent10Minutes',
        LINEAR_10PERCENT_EVERY_1MINUTE: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
      }[cfg.deployment.config];
      expect(groups).toHaveLength(aliases.length);
      for (const [id, g] of groups) {
        expect(JSON.stringify(g.DeploymentConfigName), id).toContain(configName);
        expect(g.AutoRollbackConfiguration, id).toMatchObject({
          Enabled: true,
          Events: expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']),
        });
        const alarmRefs = (g.AlarmConfiguration as { Enabled: boolean; Alarms: { Name: { Ref: string } }[] })
          .Alarms;
        expect(alarmRefs.length, id).toBeGreaterThanOrEqual(1);
        for (const a of alarmRefs) {
          const alarm = t.Resources[a.Name.Ref].Properties!;
          // The alias's own metrics (dimension Resource = <function>:live).
          expect(JSON.stringify(alarm.Dimensions), id).toContain(':live');
        }
      }
      for (const [id] of aliases) {
        expect(t.Resources[id].UpdatePolicy, id).toHaveProperty('CodeDeployLambdaAliasUpdate');
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------

describe('data pipeline monitoring', () => {
  it.each(ENV_NAMES)('%s: loader, queue, DLQ, load and (with Aurora) database alarms, dashboard', (env) => {
    const cfg = loadConfig(env);
    const t = envTemplates(env).find((s) => s.name.endsWith('-Monitoring'))!.template;
    const names = ofType(t, 'AWS::CloudWatch::Alarm').map(([, p]) => String(p.AlarmName));
    const prefix = `daily-notifications-${env}-`;
    const aurora = [
      'aurora-cpu',
      'aurora-connections',
      'aurora-freeable-memory',
      'aurora-free-local-storage',
      'aurora-deadlocks',
    ];
    for (const key of [
      'loader-errors',
      'loader-throttles',
      'loader-duration',
      'loader-concurrency',
      'ingest-queue-age',
      'ingest-dlq-not-empty',
      'loader-loads-failed',
      'loader-rejected-rows',
    ]) {
      expect(names, key).toContain(prefix + key);
    }
    for (const key of aurora) {
      expect(names.includes(prefix + key), key).toBe(cfg.dataPipeline.database.kind === 'aurora');
    }
    const rejected = ofType(t, 'AWS::CloudWatch::Alarm').find(
      ([, p]) => p.AlarmName === `${prefix}loader-rejected-rows`,
    )![1];
    if (cfg.alarms.metricMath.enabled) {
      expect(JSON.stringify(rejected.Metrics)).toContain('100 * rowsRejected / rowsRead');
      expect(rejected.Threshold).toBe(cfg.alarms.loader.rejectedRowPercent);
    } else {
      expect(rejected).toMatchObject({ MetricName: 'RowsRejected', Threshold: 0 });
    }
    const composite = ofType(t, 'AWS::CloudWatch::CompositeAlarm').map(([, p]) => p.AlarmName);
    expect(composite.includes(`${prefix}csv-not-loaded`)).toBe(cfg.alarms.compositeAlarms.enabled);
  });
});

describe('literalName', () => {
  it('refuses a resource without a literal name (it could not be monitored by name)', () => {
    const stack = new Stack(new App(), 'S');
    const unnamed = new sqs.Queue(stack, 'Unnamed');
    const named = new sqs.Queue(stack, 'Named', { queueName: 'named-q' });
    expect(literalName(named.node.path, 'named-q')).toBe('named-q');
    expect(() => literalName(unnamed.node.path, unnamed.queueName)).toThrow(
      /S\/Unnamed: no literal physical name/,
    );
  });
});
