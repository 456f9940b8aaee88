import type { App } from 'aws-cdk-lib';
import { ENV_NAMES, loadConfig } from '../config';
import { DeliveryStack } from './delivery-stack';

/**
 * The delivery stacks of the AWS environments, i.e. every environment whose functions call the
 * real AWS endpoints (no `awsEndpointUrl`). Used by bin/delivery.ts and the tests.
 */
export function addDelivery(
  app: App,
  opts: { repository: string; createOidcProvider: boolean; workflowRef?: string },
): Record<string, DeliveryStack> {
  const out: Record<string, DeliveryStack> = {};
  for (const cfg of ENV_NAMES.map((name) => loadConfig(name)).filter((c) => c.awsEndpointUrl === undefined)) {
    out[cfg.name] = new DeliveryStack(app, `DailyNotifications-${cfg.name}-Delivery`, {
      env: { account: cfg.account, region: cfg.region },
      config: cfg,
      repository: opts.repository,
      createOidcProvider: opts.createOidcProvider,
      workflowRef: opts.workflowRef,
      description: `daily-notifications ${cfg.name}: GitHub OIDC provider and delivery roles`,
    });
  }
  return out;
}
