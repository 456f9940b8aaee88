#!/usr/bin/env node
/**
 * CDK entry point. `cdk synth -c env=<local|dev|qa|prod>` (default local) synthesizes one
 * environment offline: accounts, regions and AZs come from config/, never from lookups.
 * `-c env=all` synthesizes every environment into one assembly (used by the template checks).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ENV_NAMES, loadConfig } from '../config';
import { artifactDir } from '../config/process-env';
import { addEnvironment } from '../lib/environment';

const app = new App();
const requested = String(app.node.tryGetContext('env') ?? 'local');
for (const name of requested === 'all' ? ENV_NAMES : [requested]) {
  addEnvironment(app, loadConfig(name), artifactDir());
}
// cdk-nag 3 runs as a CDK validation plugin: unacknowledged findings fail the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
