import { Duration, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { EnvConfig, FunctionSizing } from '../config/types';
import { functionCode } from './artifacts';
import { logRetention, removalPolicy } from './config-helpers';
import { lambdaLogGroupName, resourcePrefix, type ArtifactName } from './naming';

/** Actions every VPC function needs to manage its network interfaces (AWS requires Resource *). */
const VPC_ENI_ACTIONS = [
  'ec2:AssignPrivateIpAddresses',
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:UnassignPrivateIpAddresses',
];

export interface VpcFunctionSpec {
  readonly name: ArtifactName;
  readonly sizing: FunctionSizing;
  readonly description: string;
  readonly vpc: ec2.IVpc;
  readonly securityGroups: ec2.ISecurityGroup[];
  readonly artifactDir: string;
  /** Encrypts the environment variables. */
  readonly configKey: kms.IKey;
  readonly logsKey: kms.IKey;
  readonly environment: Record<string, string>;
  /** Everything the function may do besides writing its own logs and managing its ENIs. */
  readonly statements: iam.PolicyStatement[];
}

/**
 * A C++ function on provided.al2023 in the isolated subnets, with its own role (inline
 * statements written out: no grant helpers, which add actions the function never calls), its own
 * KMS-encrypted log group with the environment's retention, and the common environment.
 */
export function createVpcFunction(
  scope: Construct,
  id: string,
  cfg: EnvConfig,
  spec: VpcFunctionSpec,
): lambda.Function {
  const prefix = resourcePrefix(cfg.name);
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    logGroupName: lambdaLogGroupName(cfg.name, spec.name),
    encryptionKey: spec.logsKey,
    retention: logRetention(cfg),
    removalPolicy: removalPolicy(cfg),
  });

  const role = new iam.Role(scope, `${id}Role`, {
    description: `Execution role of ${prefix}-${spec.name}`,
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    inlinePolicies: {
      Access: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: [logGroup.logGroupArn],
          }),
          new iam.PolicyStatement({ actions: VPC_ENI_ACTIONS, resources: ['*'] }),
          ...spec.statements,
        ],
      }),
    },
  });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'EC2 network-interface actions of a VPC Lambda (CreateNetworkInterface etc.) do not support ' +
      'resource-level permissions; AWS requires Resource "*" (same actions as AWSLambdaVPCAccessExecutionRole).',
  });

  const environment: Record<string, string> = {
    LOG_LEVEL: cfg.functions.logLevel,
    SERVICE_NAME: spec.name,
    METRICS_NAMESPACE: cfg.functions.metricsNamespace,
    ...spec.environment,
  };
  if (cfg.awsEndpointUrl !== undefined) environment.AWS_ENDPOINT_URL = cfg.awsEndpointUrl;

  const fn = new lambda.Function(scope, id, {
    functionName: `${prefix}-${spec.name}`,
    description: spec.description,
    runtime: lambda.Runtime.PROVIDED_AL2023,
    // The release preset builds x86-64 binaries (scripts/package.sh).
    architecture: lambda.Architecture.X86_64,
    handler: 'bootstrap',
    code: functionCode(spec.artifactDir, spec.name),
    memorySize: spec.sizing.memoryMb,
    timeout: Duration.seconds(spec.sizing.timeoutSeconds),
    reservedConcurrentExecutions: spec.sizing.reservedConcurrency,
    role,
    vpc: spec.vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: spec.securityGroups,
    logGroup,
    environment,
    environmentEncryption: spec.configKey,
  });
  // CDK adds DependsOn <role>, which the Role GetAtt already implies (cfn-lint W3005). The role
  // carries its policies inline, so the GetAtt alone orders the function after its permissions.
  (fn.node.defaultChild as lambda.CfnFunction).addDeletionOverride('DependsOn');
  return fn;
}
