/** Physical names shared by the stacks, the tests and the scripts (via stack outputs). */
import type { EnvName } from '../config';

export const FUNCTION_NAMES = ['find-daily', 'generate', 'get-notifications'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];
/** Every Lambda artifact (functions/dist/<name>.zip): the notification functions and the loader. */
export const ARTIFACT_NAMES = [...FUNCTION_NAMES, 'loader'] as const;
export type ArtifactName = (typeof ARTIFACT_NAMES)[number];

/** Prefix of every physical resource name of an environment. */
export function resourcePrefix(env: EnvName): string {
  return `daily-notifications-${env}`;
}

export function stackName(env: EnvName, part: 'Network' | 'Notifications' | 'Data' | 'Monitoring'): string {
  return `DailyNotifications-${env}-${part}`;
}

/** Log group names: one prefix per service so the KMS key policy can scope to them. */
export function lambdaLogGroupName(env: EnvName, fn: ArtifactName): string {
  return `/aws/lambda/${resourcePrefix(env)}-${fn}`;
}

export function apiAccessLogGroupName(env: EnvName): string {
  return `/aws/apigateway/${resourcePrefix(env)}-access`;
}

export function flowLogGroupName(env: EnvName): string {
  return `/aws/vpc/${resourcePrefix(env)}-flow-logs`;
}
