import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionSizing, LogLevel } from '../../config/types';
import type { ArtifactName } from '../naming';
import { Concern } from './concern';
import type { GradualDeployment } from './live-alias';

/** Actions every VPC function needs to manage its network interfaces (AWS requires Resource *). */
const VPC_ENI_ACTIONS = [
  'ec2:AssignPrivateIpAddresses',
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:UnassignPrivateIpAddresses',
];

/** What every function of an environment is given, whatever it does. */
export interface FunctionRuntime {
  readonly logLevel: LogLevel;
  /** EMF namespace of the custom metrics. */
  readonly metricsNamespace: string;
  /** Only where the functions must call an emulator instead of AWS (local). */
  readonly awsEndpointUrl?: string;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

export interface VpcFunctionProps {
  /** Short name: SERVICE_NAME, the artifact, and the suffix of the physical names. */
  readonly name: ArtifactName;
  /** Physical function name (`<prefix>-<name>`). */
  readonly functionName: string;
  /** Log group name (`/aws/lambda/<functionName>`). */
  readonly logGroupName: string;
  readonly description: string;
  readonly code: lambda.Code;
  readonly sizing: FunctionSizing;
  readonly runtime: FunctionRuntime;
  readonly vpc: ec2.IVpc;
  readonly securityGroups: ec2.ISecurityGroup[];
  /** Encrypts the environment variables. */
  readonly configKey: kms.IKey;
  readonly logsKey: kms.IKey;
  /** The function's own variables (besides LOG_LEVEL, SERVICE_NAME, METRICS_NAMESPACE). */
  readonly environment: Record<string, string>;
  /** Everything the function may do besides writing its own logs and managing its ENIs. */
  readonly statements: iam.PolicyStatement[];
  /**
   * Publishes the function behind the `live` alias that its callers invoke (see live-alias.ts).
   * Without it, callers invoke the function itself.
   */
  readonly deployment?: GradualDeployment;
}

/**
 * A C++ function on provided.al2023 in the isolated subnets, with its own role (inline statements
 * written out: no grant helpers, which add actions the function never calls), its own KMS-encrypted
 * log group, and the common environment.
 *
 * Outputs: `fn`, `role`, `logGroup`; `invokable` (the `live` alias when published, else the
 * function), what schedules, event sources and the API must target; and the literal names the
 * monitoring stack addresses its metrics and logs by (`functionName`, `logGroupName`, `name`).
 */
export class VpcFunction extends Concern {
  readonly name: ArtifactName;
  readonly functionName: string;
  readonly logGroupName: string;
  readonly sizing: FunctionSizing;
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly invokable: lambda.IFunction;
  /** The `live` alias, when the function is published behind it. */
  readonly alias?: lambda.Alias;

  constructor(scope: Construct, id: string, props: VpcFunctionProps) {
    super(scope, id);
    this.name = props.name;
    this.functionName = props.functionName;
    this.logGroupName = props.logGroupName;
    this.sizing = props.sizing;
    const runtime = props.runtime;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: props.logGroupName,
      encryptionKey: props.logsKey,
      retention: runtime.logRetention,
      removalPolicy: runtime.removalPolicy,
    });

    this.role = new iam.Role(this, 'Role', {
      description: `Execution role of ${props.functionName}`,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: {
        Access: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [this.logGroup.logGroupArn],
            }),
            new iam.PolicyStatement({ actions: VPC_ENI_ACTIONS, resources: ['*'] }),
            ...props.statements,
          ],
        }),
      },
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'EC2 network-interface actions of a VPC Lambda (CreateNetworkInterface etc.) do not support ' +
        'resource-level permissions; AWS requires Resource "*" (same actions as AWSLambdaVPCAccessExecutionRole).',
    });

    const environment: Record<string, string> = {
      LOG_LEVEL: runtime.logLevel,
      SERVICE_NAME: props.name,
      METRICS_NAMESPACE: runtime.metricsNamespace,
      ...props.environment,
    };
    if (runtime.awsEndpointUrl !== undefined) environment.AWS_ENDPOINT_URL = runtime.awsEndpointUrl;

    this.fn = new lambda.Function(this, 'Default', {
      functionName: props.functionName,
      description: props.description,
      runtime: lambda.Runtime.PROVIDED_AL2023,
      // The release preset builds x86-64 binaries (scripts/package.sh).
      architecture: lambda.Architecture.X86_64,
      handler: 'bootstrap',
      code: props.code,
      memorySize: props.sizing.memoryMb,
      timeout: Duration.seconds(props.sizing.timeoutSeconds),
      reservedConcurrentExecutions: props.sizing.reservedConcurrency,
      role: this.role,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: props.securityGroups,
      logGroup: this.logGroup,
      environment,
      environmentEncryption: props.configKey,
    });
    // CDK adds DependsOn <role>, which the Role GetAtt already implies (cfn-lint W3005). The role
    // carries its policies inline, so the GetAtt alone orders the function after its permissions.
    (this.fn.node.defaultChild as lambda.CfnFunction).addDeletionOverride('DependsOn');

    this.alias = props.deployment?.publish(this, this.fn, props.name, props.functionName);
    this.invokable = this.alias ?? this.fn;
  }

  /** Async invocations (a schedule) that still fail after Lambda's retries are parked in `queue`. */
  parkFailedAsyncInvocationsIn(queueArn: string): void {
    (this.fn.node.defaultChild as lambda.CfnFunction).deadLetterConfig = { targetArn: queueArn };
  }
}
