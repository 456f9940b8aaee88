import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { EnvConfig } from '../config';
import type { FunctionRuntime } from './constructs/function';

export function removalPolicy(cfg: EnvConfig): RemovalPolicy {
  return cfg.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}

/** The config holds a validated CloudWatch Logs retention value; RetentionDays is that number. */
export function logRetention(cfg: EnvConfig): logs.RetentionDays {
  return cfg.logRetentionDays as logs.RetentionDays;
}

export function days(n: number): Duration {
  return Duration.days(n);
}

/** What every function of the environment gets (VpcFunctionProps.runtime). */
export function functionRuntime(cfg: EnvConfig): FunctionRuntime {
  return {
    logLevel: cfg.functions.logLevel,
    metricsNamespace: cfg.functions.metricsNamespace,
    awsEndpointUrl: cfg.awsEndpointUrl,
    logRetention: logRetention(cfg),
    removalPolicy: removalPolicy(cfg),
  };
}
