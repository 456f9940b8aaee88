import { dev } from './dev';
import { local } from './local';
import { prod } from './prod';
import { qa } from './qa';
import { readContract, segmentProblems } from './segments';
import type { EnvConfig, EnvName } from './types';

export type { EnvConfig, EnvName } from './types';

export const ENV_NAMES: readonly EnvName[] = ['local', 'dev', 'qa', 'prod'];

const CONFIGS: Record<EnvName, EnvConfig> = { local, dev, qa, prod };

/** CloudWatch Logs accepts only these retention periods (days). */
const VALID_RETENTION_DAYS = new Set([
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]);

export function isEnvName(name: string): name is EnvName {
  return (ENV_NAMES as readonly string[]).includes(name);
}

/** Returns the validated config of an environment; throws with every problem listed. */
export function loadConfig(name: string): EnvConfig {
  if (!isEnvName(name)) {
    throw new Error(`Unknown environment '${name}'. Use -c env=<${ENV_NAMES.join('|')}>.`);
  }
  const cfg = CONFIGS[name];
  const problems = validateConfig(cfg);
  if (problems.length > 0) {
    throw new Error(`Invalid config for '${name}':\n  - ${problems.join('\n  - ')}`);
  }
  return cfg;
}

export function validateConfig(cfg: EnvConfig): string[] {
  const problems: string[] = [];
  if (!/^\d{12}$/.test(cfg.account)) problems.push(`account '${cfg.account}' is not 12 digits`);
  if (cfg.network.azCount < 1 || cfg.network.azCount > cfg.availabilityZones.length) {
    problems.push(`azCount ${cfg.network.azCount} must be 1..${cfg.availabilityZones.length}`);
  }
  for (const az of cfg.availabilityZones) {
    if (!az.startsWith(cfg.region)) problems.push(`AZ '${az}' is not in region ${cfg.region}`);
  }
  if (!VALID_RETENTION_DAYS.has(cfg.logRetentionDays)) {
    problems.push(`logRetentionDays ${cfg.logRetentionDays} is not a CloudWatch Logs retention value`);
  }
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: cfg.schedule.timezone });
  } catch {
    problems.push(`timezone '${cfg.schedule.timezone}' is not an IANA time zone`);
  }
  const q = cfg.queue;
  if (q.maxConcurrency < 2 || q.maxConcurrency > 1000) {
    problems.push(`queue.maxConcurrency ${q.maxConcurrency} must be 2..1000 (SQS event source limit)`);
  }
  if (q.maxConcurrency > cfg.functions.generate.reservedConcurrency) {
    problems.push(
      `queue.maxConcurrency ${q.maxConcurrency} exceeds generate's reserved concurrency ` +
        `${cfg.functions.generate.reservedConcurrency}: the poller would be throttled`,
    );
  }
  if (q.maxReceiveCount < 1 || q.maxReceiveCount > 1000) {
    problems.push(`queue.maxReceiveCount ${q.maxReceiveCount} must be 1..1000`);
  }
  if (q.batchSize < 1 || q.batchSize > 10) problems.push(`queue.batchSize ${q.batchSize} must be 1..10`);
  // 6x generate's timeout becomes the visibility timeout, which SQS caps at 12 hours.
  if (cfg.functions.generate.timeoutSeconds * 6 > 43200) {
    problems.push('6x generate timeout exceeds the 12 h SQS visibility timeout limit');
  }
  for (const [fn, s] of Object.entries({
    findDaily: cfg.functions.findDaily,
    generate: cfg.functions.generate,
    getNotifications: cfg.functions.getNotifications,
    updateNotifications: cfg.functions.updateNotifications,
    manageNotifications: cfg.functions.manageNotifications,
    audienceSync: cfg.audiences.sync,
  })) {
    if (s.timeoutSeconds < 1 || s.timeoutSeconds > 900) problems.push(`${fn}.timeoutSeconds must be 1..900`);
    if (s.memoryMb < 128 || s.memoryMb > 10240) problems.push(`${fn}.memoryMb must be 128..10240`);
    if (s.reservedConcurrency < 1) problems.push(`${fn}.reservedConcurrency must be >= 1`);
  }
  // API Gateway ends every integration after 29 s: a function behind the API must answer first.
  for (const [fn, s] of Object.entries({
    getNotifications: cfg.functions.getNotifications,
    updateNotifications: cfg.functions.updateNotifications,
  })) {
    if (s.timeoutSeconds > 28) problems.push(`${fn}.timeoutSeconds must be <= 28 (API Gateway's 29 s limit)`);
  }
  if (cfg.awsEndpointUrl !== undefined && !/^https?:\/\//.test(cfg.awsEndpointUrl)) {
    problems.push(`awsEndpointUrl '${cfg.awsEndpointUrl}' is not an http(s) URL`);
  }
  if (cfg.data.inboxTtlDays < 1) problems.push('data.inboxTtlDays must be >= 1');
  if (cfg.functions.manageNotifications.timeoutSeconds > 28) {
    problems.push("manageNotifications.timeoutSeconds must be <= 28 (API Gateway's 29 s limit)");
  }
  // Segment rules may only use columns of the users contract: checked here, so synth refuses them.
  problems.push(...segmentProblems(cfg.audiences, readContract(cfg.audiences.dataset)));
  return problems;
}
