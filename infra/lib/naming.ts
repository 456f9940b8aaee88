/** Physical names shared by the stacks, the tests and the scripts (via stack outputs). */
import type { EnvConfig, EnvName } from '../config';

export const FUNCTION_NAMES = [
  'find-daily',
  'generate',
  'get-notifications',
  'update-notifications',
  'manage-notifications',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];
/**
 * Every Lambda artifact (functions/dist/<name>.zip): the notification functions, the loader and
 * sync-audiences (the data stack's two).
 */
export const ARTIFACT_NAMES = [...FUNCTION_NAMES, 'loader', 'sync-audiences'] as const;
export type ArtifactName = (typeof ARTIFACT_NAMES)[number];

/** Prefix of every physical resource name of an environment. */
export function resourcePrefix(env: EnvName): string {
  return `daily-notifications-${env}`;
}

export function stackName(env: EnvName, part: 'Network' | 'Notifications' | 'Data' | 'Monitoring'): string {
  return `DailyNotifications-${env}-${part}`;
}

/** Every stack of an environment, as an IAM resource name pattern. */
export function stackNamePattern(env: EnvName): string {
  return `DailyNotifications-${env}-*`;
}

/** Log group names: one prefix per service so the KMS key policy can scope to them. */
export function lambdaLogGroupName(env: EnvName, fn: ArtifactName): string {
  return `/aws/lambda/${resourcePrefix(env)}-${fn}`;
}

/** The roles GitHub Actions assumes (delivery stack); the API's resource policy names the tests role. */
export function githubRoleName(env: EnvName, role: 'deploy' | 'deployment-tests'): string {
  return `${resourcePrefix(env)}-github-${role}`;
}

/**
 * The user whose inbox the smoke tests read (tests/e2e/test_deployment.py SMOKE_USER): in an
 * environment with the smoke suite, the only inbox the tests role may read. It need not exist.
 */
export const SMOKE_USER_ID = 'dn-e2e-smoke';

/** Queues the alerting test creates for itself; the only queues the tests role may manage. */
export const E2E_QUEUE_PREFIX = 'dn-e2e-alerts-';

export function apiAccessLogGroupName(env: EnvName): string {
  return `/aws/apigateway/${resourcePrefix(env)}-access`;
}

export function flowLogGroupName(env: EnvName): string {
  return `/aws/vpc/${resourcePrefix(env)}-flow-logs`;
}

/**
 * The alarm tests/e2e/test_alerting.py fires and the alarms its notification passes through to a
 * topic (monitoring-stack.ts): with composite alarms on, find-daily-errors notifies nothing itself
 * and the generation-late composite pages the critical topic; without them it notifies the warning
 * topic. The tests role may reset exactly these alarms and subscribe to that topic;
 * infra/scripts/check_alarm_paths.py checks this against every environment's templates.
 */
export function alertTestPath(cfg: EnvConfig): { alarms: string[]; topic: 'critical' | 'warning' } {
  return cfg.alarms.compositeAlarms.enabled
    ? { alarms: ['find-daily-errors', 'generation-late'], topic: 'critical' }
    : { alarms: ['find-daily-errors'], topic: 'warning' };
}
