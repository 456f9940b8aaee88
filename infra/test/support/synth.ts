import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { App, CfnResource, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig, type EnvConfig, type EnvName } from '../../config';
import { logicalPath } from '../../lib/constructs/concern';
import { addEnvironment, type EnvironmentStacks } from '../../lib/environment';
import { placeholderArtifactDir } from './artifacts';

/** Raw CloudFormation template. */
export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown }>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown }; Description?: string }>;
  [k: string]: unknown;
}

export interface SynthesizedEnv {
  readonly cfg: EnvConfig;
  readonly app: App;
  readonly stacks: EnvironmentStacks;
  readonly network: Template;
  readonly notifications: Template;
  readonly networkJson: CfnTemplate;
  readonly notificationsJson: CfnTemplate;
}

const CDK_CONTEXT = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

/** Builds an app exactly as bin/app.ts does (same cdk.json feature flags, cdk-nag plugin). */
export function buildApp(
  envName: EnvName,
  artifactDir = placeholderArtifactDir(),
): { app: App; stacks: EnvironmentStacks } {
  const app = new App({
    context: { ...CDK_CONTEXT, env: envName },
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), `dn-cdkout-${envName}-`)),
  });
  const stacks = addEnvironment(app, loadConfig(envName), artifactDir);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stacks };
}

const cache = new Map<EnvName, SynthesizedEnv>();

/** Synthesizes an environment once per test process and reuses it. */
export function synthEnv(envName: EnvName): SynthesizedEnv {
  const hit = cache.get(envName);
  if (hit) return hit;
  const { app, stacks } = buildApp(envName);
  const network = Template.fromStack(stacks.network);
  const notifications = Template.fromStack(stacks.notifications);
  const result: SynthesizedEnv = {
    cfg: loadConfig(envName),
    app,
    stacks,
    network,
    notifications,
    networkJson: network.toJSON() as CfnTemplate,
    notificationsJson: notifications.toJSON() as CfnTemplate,
  };
  cache.set(envName, result);
  return result;
}

/**
 * logicalId -> construct path inside its stack (each concern folded into its children, as logical
 * ids are: lib/constructs/concern.ts), without the trailing /Resource or /Default.
 */
export function friendlyNames(stack: Stack): Map<string, string> {
  const names = new Map<string, string>();
  for (const c of stack.node.findAll()) {
    if (!CfnResource.isCfnResource(c)) continue;
    const logicalId = stack.resolve(c.logicalId) as string;
    const parts = logicalPath(c);
    while (parts.length > 1 && ['Resource', 'Default'].includes(parts[parts.length - 1])) parts.pop();
    names.set(logicalId, parts.join('/'));
  }
  return names;
}

/** Every resource of a given CloudFormation type in a raw template. */
export function resourcesOfType(t: CfnTemplate, type: string): [string, Record<string, unknown>][] {
  return Object.entries(t.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
}
