/**
 * Alarm building blocks of the monitoring stack: one place decides an alarm's name, description
 * (severity + runbook anchor), period and actions, so every alarm looks the same to on-call.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { AlarmSeverity, EnvConfig } from '../config/types';
import { resourcePrefix } from './naming';

/** Systems with their own dashboard and alarm status widget. */
export type MonitoredSystem = 'notification' | 'data-pipeline';

/** Path of the runbook that every alarm description points to. */
export const RUNBOOK_PATH = 'docs/RUNBOOK.md';

export interface AlarmSpec {
  /** Construct id and alarm name suffix: `<prefix>-<key>`. */
  readonly key: string;
  /** Heading anchor in docs/RUNBOOK.md (the section that says what to do). */
  readonly runbook: string;
  readonly severity: AlarmSeverity;
  /** One sentence: what is wrong when this alarm fires. */
  readonly summary: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  /** Default: missing data is not breaching (no traffic is not a failure). */
  readonly missing?: cloudwatch.TreatMissingData;
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  /** The alarm feeds a composite alarm: with composites on, only the composite notifies. */
  readonly feedsComposite?: boolean;
}

export interface CompositeSpec {
  readonly key: string;
  readonly runbook: string;
  readonly severity: AlarmSeverity;
  readonly summary: string;
  readonly children: readonly cloudwatch.Alarm[];
}

/** Creates alarms with a uniform name, description and actions, and remembers them per system. */
export class AlarmFactory {
  private readonly alarms = new Map<MonitoredSystem, cloudwatch.AlarmBase[]>();
  private readonly prefix: string;

  constructor(
    private readonly scope: Construct,
    private readonly cfg: EnvConfig,
    private readonly topics: Readonly<Record<AlarmSeverity, sns.ITopic>>,
  ) {
    this.prefix = resourcePrefix(cfg.name);
  }

  /** The configured evaluation period of the threshold alarms. */
  get period(): Duration {
    return Duration.minutes(this.cfg.alarms.periodMinutes);
  }

  alarmName(key: string): string {
    return `${this.prefix}-${key}`;
  }

  alarm(system: MonitoredSystem, spec: AlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this.scope, `Alarm-${spec.key}`, {
      alarmName: this.alarmName(spec.key),
      alarmDescription: this.description(spec.severity, spec.summary, spec.runbook),
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparison,
      evaluationPeriods: spec.evaluationPeriods ?? this.cfg.alarms.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm,
      treatMissingData: spec.missing ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const notifiesItself = !(spec.feedsComposite && this.cfg.alarms.compositeAlarms.enabled);
    if (notifiesItself) this.notify(alarm, spec.severity);
    this.remember(system, alarm);
    return alarm;
  }

  /**
   * ANY of `children` in ALARM. Without composite alarms (config) nothing is created: the
   * children notify their own topics instead (see `alarm`).
   */
  composite(system: MonitoredSystem, spec: CompositeSpec): cloudwatch.CompositeAlarm | undefined {
    if (!this.cfg.alarms.compositeAlarms.enabled) return undefined;
    const composite = new cloudwatch.CompositeAlarm(this.scope, `Composite-${spec.key}`, {
      compositeAlarmName: this.alarmName(spec.key),
      alarmDescription: this.description(spec.severity, spec.summary, spec.runbook),
      alarmRule: cloudwatch.AlarmRule.anyOf(
        ...spec.children.map((c) => cloudwatch.AlarmRule.fromAlarm(c, cloudwatch.AlarmState.ALARM)),
      ),
    });
    this.notify(composite, spec.severity);
    this.remember(system, composite);
    return composite;
  }

  /** Every alarm (and composite) of a system, in creation order. */
  of(system: MonitoredSystem): cloudwatch.AlarmBase[] {
    return [...(this.alarms.get(system) ?? [])];
  }

  private description(severity: AlarmSeverity, summary: string, runbook: string): string {
    return `[${severity.toUpperCase()}] ${summary} Runbook: ${RUNBOOK_PATH}#${runbook}`;
  }

  /** Critical alarms also report recovery, so the pager sees the incident close. */
  private notify(alarm: cloudwatch.AlarmBase, severity: AlarmSeverity): void {
    const action = new actions.SnsAction(this.topics[severity]);
    alarm.addAlarmAction(action);
    if (severity === 'critical') alarm.addOkAction(action);
  }

  private remember(system: MonitoredSystem, alarm: cloudwatch.AlarmBase): void {
    const list = this.alarms.get(system) ?? [];
    list.push(alarm);
    this.alarms.set(system, list);
  }
}

/**
 * One sum over several metrics when metric math is on (`SUM(METRICS())` skips a metric with no
 * datapoint, where `a + b` would drop the whole period); otherwise each metric on its own.
 */
export function sumOrEach(
  cfg: EnvConfig,
  label: string,
  metrics: Record<string, cloudwatch.IMetric>,
  period: Duration,
): { key: string; metric: cloudwatch.IMetric }[] {
  const entries = Object.entries(metrics);
  if (cfg.alarms.metricMath.enabled && entries.length > 1) {
    return [
      {
        key: '',
        metric: new cloudwatch.MathExpression({
          expression: 'SUM(METRICS())',
          usingMetrics: metrics,
          label,
          period,
        }),
      },
    ];
  }
  return entries.map(([key, metric]) => ({ key, metric }));
}
