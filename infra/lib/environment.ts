import { Tags, type App } from 'aws-cdk-lib';
import type { EnvConfig } from '../config';
import { DataStack } from './data-stack';
import { MonitoringStack } from './monitoring-stack';
import { stackName } from './naming';
import { NetworkStack } from './network-stack';
import { NotificationsStack } from './notifications-stack';

export interface EnvironmentStacks {
  readonly network: NetworkStack;
  readonly notifications: NotificationsStack;
  readonly data: DataStack;
  readonly monitoring: MonitoringStack;
}

/** Adds the stacks of one environment to `app`. Used by bin/app.ts and by the tests. */
export function addEnvironment(app: App, cfg: EnvConfig, artifactDir: string): EnvironmentStacks {
  const env = { account: cfg.account, region: cfg.region };
  const terminationProtection = cfg.data.deletionProtection;

  const network = new NetworkStack(app, stackName(cfg.name, 'Network'), {
    env,
    config: cfg,
    terminationProtection,
    description: `daily-notifications ${cfg.name}: isolated VPC, endpoints, flow logs`,
  });
  const notifications = new NotificationsStack(app, stackName(cfg.name, 'Notifications'), {
    env,
    config: cfg,
    terminationProtection,
    description: `daily-notifications ${cfg.name}: table, queue, functions, schedule, API`,
    vpc: network.vpc,
    functionsSecurityGroup: network.functionsSecurityGroup,
    executeApiEndpoint: network.executeApiEndpoint,
    artifactDir,
  });
  notifications.addStackDependency(network);
  const data = new DataStack(app, stackName(cfg.name, 'Data'), {
    env,
    config: cfg,
    terminationProtection,
    description: `daily-notifications ${cfg.name}: data bucket, ingest queue, CSV loader, database`,
    vpc: network.vpc,
    databaseClientsSecurityGroup: network.databaseClientsSecurityGroup,
    s3Endpoint: network.s3Endpoint,
    secretsManagerEndpoint: network.secretsManagerEndpoint,
    artifactDir,
    notificationsTable: notifications.table,
    notificationsTableKey: notifications.tableKey,
  });
  data.addDependency(network);
  // sync-audiences writes the notifications table (imported by reference: an export).
  data.addDependency(notifications);
  // Alarms, topics, dashboards and saved queries of every system (issue 5). A system added later
  // is monitored with one call, handed its typed resources (e.g. monitoring.addDataPipeline(data)).
  const monitoring = new MonitoringStack(app, stackName(cfg.name, 'Monitoring'), {
    env,
    config: cfg,
    terminationProtection,
    description: `daily-notifications ${cfg.name}: alarms, alarm topics, dashboards, saved queries`,
    notifications,
  });
  monitoring.addDataPipeline(data);
  // No export ties them (alarms address resources by name); the order keeps deploys tidy.
  monitoring.addDependency(notifications);
  monitoring.addDependency(data);

  for (const stack of [network, notifications, data, monitoring]) {
    Tags.of(stack).add('project', 'daily-notifications');
    Tags.of(stack).add('environment', cfg.name);
  }
  return { network, notifications, data, monitoring };
}
