import type { App } from 'aws-cdk-lib';
import { loadConfig } from '../config';
import { DeliveryStack } from './delivery-stack';

/** The delivery stacks of the AWS environments (used by bin/delivery.ts and the tests). */
export function addDelivery(
  app: App,
  opts: { repository: string; createOidcProvider: boolean },
): Record<'dev' | 'qa' | 'prod', DeliveryStack> {
  const out = {} as Record<'dev' | 'qa' | 'prod', DeliveryStack>;
  for (const name of ['dev', 'qa', 'prod'] as const) {
    const cfg = loadConfig(name);
    out[name] = new DeliveryStack(app, `DailyNotifications-${name}-Delivery`, {
      env: { account: cfg.account, region: cfg.region },
      config: cfg,
      repository: opts.repository,
      createOidcProvider: opts.createOidcProvider,
      description: `daily-notifications ${name}: GitHub OIDC provider and delivery roles`,
    });
  }
  return out;
}
