#!/usr/bin/env node
/**
 * CDK entry point. `cdk synth -c env=<local|dev|qa|prod>` (default local) synthesizes one
 * environment offline: accounts, regions and AZs come from config/, never from lookups.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../config';
import { artifactDir } from '../config/process-env';
import { addEnvironment } from '../lib/environment';

const app = new App();
const envName: unknown = app.node.tryGetContext('env') ?? 'local';
const cfg = loadConfig(String(envName));
addEnvironment(app, cfg, artifactDir());
// cdk-nag 3 runs as a CDK validation plugin: unacknowledged findings fail the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
