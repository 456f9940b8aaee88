import { CfnOutput, Validations, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AppStack } from './constructs/concern';
import type { EnvConfig } from '../config';
import { logRetention, removalPolicy } from './config-helpers';
import { allowLogsToUseKey, createKey } from './kms';
import { flowLogGroupName } from './naming';

export interface NetworkStackProps extends StackProps {
  readonly config: EnvConfig;
}

/** The interface endpoints the functions (and in-VPC API callers) reach AWS through. */
const INTERFACE_ENDPOINTS = {
  Sqs: {
    service: ec2.InterfaceVpcEndpointAwsService.SQS,
    actions: ['sqs:SendMessage'],
    arn: 'sqs:{R}:{A}:*',
  },
  Logs: {
    service: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    arn: 'logs:{R}:{A}:log-group:*',
  },
  SecretsManager: {
    service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    // GetSecretValue: the functions. The rest: the database secret's rotation function.
    actions: [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ],
    arn: 'secretsmanager:{R}:{A}:secret:*',
    // Authorized on no resource type: on a secret ARN the grant would never apply.
    anyResourceActions: ['secretsmanager:GetRandomPassword'],
  },
  Kms: {
    service: ec2.InterfaceVpcEndpointAwsService.KMS,
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    arn: 'kms:{R}:{A}:key/*',
  },
  ExecuteApi: {
    service: ec2.InterfaceVpcEndpointAwsService.APIGATEWAY,
    actions: ['execute-api:Invoke'],
    arn: 'execute-api:{R}:{A}:*',
  },
} as const;

/** DynamoDB actions any function of this account may send through the gateway endpoint. */
export const DYNAMODB_ENDPOINT_ACTIONS = [
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];

/**
 * Network for the functions: a VPC with PRIVATE_ISOLATED subnets only (no NAT gateway, no
 * internet gateway, no route out), gateway endpoints for DynamoDB and S3, interface endpoints
 * for everything else the functions call, and VPC flow logs when the config enables them.
 *
 * Outputs: VpcId, IsolatedSubnetIds (comma-separated), FunctionsSecurityGroupId,
 * ExecuteApiVpcEndpointId, ApiClientsSecurityGroupId (exported as `<stack>-ApiClientsSecurityGroupId`).
 */
export class NetworkStack extends AppStack {
  readonly vpc: ec2.Vpc;
  /** Attached to every function; may only open HTTPS connections. */
  readonly functionsSecurityGroup: ec2.SecurityGroup;
  /** Attached to the loader and the secret rotation function: HTTPS and PostgreSQL only. */
  readonly databaseClientsSecurityGroup: ec2.SecurityGroup;
  /**
   * Attached by the API's callers in this VPC (exported as ApiClientsSecurityGroupId): the only
   * group the execute-api endpoint admits. May only open HTTPS.
   */
  readonly apiClientsSecurityGroup: ec2.SecurityGroup;
  /** The execute-api endpoint a PRIVATE REST API is pinned to. */
  readonly executeApiEndpoint: ec2.InterfaceVpcEndpoint;
  /** S3 gateway endpoint: the data bucket admits the loader only through it. */
  readonly s3Endpoint: ec2.GatewayVpcEndpoint;
  /** Secrets Manager endpoint: the database secret's rotation function calls it. */
  readonly secretsManagerEndpoint: ec2.InterfaceVpcEndpoint;

  private readonly config: EnvConfig;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    this.config = props.config;
    const cfg = props.config;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(cfg.network.vpcCidr),
      maxAzs: cfg.network.azCount,
      natGateways: 0,
      createInternetGateway: false,
      // The restriction is a custom resource (a Node.js Lambda); no instance ever uses the
      // default group here, and MiniStack would have to run that Lambda.
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 }],
    });

    Validations.of(this.vpc).acknowledge({
      id: 'CloudFormation-Validate::W3010',
      reason:
        'Subnet AZs come from config/<env>.ts on purpose: synth needs no credentials or lookups, and each environment pins its AZs.',
    });

    this.functionsSecurityGroup = this.httpsOnlyGroup(
      'FunctionsSecurityGroup',
      'daily-notifications functions: HTTPS out to the VPC endpoints only',
    );
    // The loader and the database secret's rotation function: HTTPS to the endpoints and
    // PostgreSQL inside the VPC (the database's own group admits only this group).
    this.databaseClientsSecurityGroup = this.httpsOnlyGroup(
      'DatabaseClientsSecurityGroup',
      'daily-notifications database clients: HTTPS to the endpoints, PostgreSQL in the VPC',
    );
    this.databaseClientsSecurityGroup.addEgressRule(
      ec2.Peer.ipv4(cfg.network.vpcCidr),
      ec2.Port.tcp(5432),
      'PostgreSQL inside the VPC',
    );
    this.apiClientsSecurityGroup = this.httpsOnlyGroup(
      'ApiClientsSecurityGroup',
      'daily-notifications API clients: HTTPS to the execute-api endpoint',
    );

    const endpointsSecurityGroup = this.createEndpointsSecurityGroup(
      'EndpointsSecurityGroup',
      'daily-notifications interface endpoints: HTTPS from the functions only',
      [
        [this.functionsSecurityGroup, 'HTTPS from the functions'],
        [this.databaseClientsSecurityGroup, 'HTTPS from the database clients'],
      ],
    );
    // The API's endpoint has its own group: its callers reach it and no other endpoint.
    const executeApiSecurityGroup = this.createEndpointsSecurityGroup(
      'ExecuteApiEndpointSecurityGroup',
      'daily-notifications execute-api endpoint: HTTPS from the API clients only',
      [[this.apiClientsSecurityGroup, 'HTTPS from the API clients']],
    );
    this.s3Endpoint = this.addGatewayEndpoints();
    const interfaceEndpoints = this.addInterfaceEndpoints((id) =>
      id === 'ExecuteApi' ? executeApiSecurityGroup : endpointsSecurityGroup,
    );
    this.executeApiEndpoint = interfaceEndpoints.ExecuteApi;
    this.secretsManagerEndpoint = interfaceEndpoints.SecretsManager;

    if (cfg.network.flowLogs.enabled) {
      this.addFlowLogs();
    } else {
      Validations.of(this.vpc).acknowledge({
        id: 'AwsSolutions-VPC7',
        reason: `Flow logs disabled by the ${cfg.name} config: ${cfg.network.flowLogs.reason}`,
      });
    }

    new CfnOutput(this, 'VpcId', { value: this.vpc.vpcId, description: 'VPC of the functions' });
    new CfnOutput(this, 'IsolatedSubnetIds', {
      value: this.vpc.isolatedSubnets.map((s) => s.subnetId).join(','),
      description: 'PRIVATE_ISOLATED subnets the functions run in',
    });
    new CfnOutput(this, 'FunctionsSecurityGroupId', {
      value: this.functionsSecurityGroup.securityGroupId,
      description: 'Security group of the functions',
    });
    new CfnOutput(this, 'ExecuteApiVpcEndpointId', {
      value: this.executeApiEndpoint.vpcEndpointId,
      description: 'execute-api interface endpoint that PRIVATE APIs are pinned to',
    });
    new CfnOutput(this, 'ApiClientsSecurityGroupId', {
      value: this.apiClientsSecurityGroup.securityGroupId,
      description: 'Security group an API caller in this VPC attaches (docs/SECURITY.md: onboarding)',
      exportName: `${this.stackName}-ApiClientsSecurityGroupId`,
    });
  }

  /** Availability zones come from the config, so synth needs no lookup or credentials. */
  override get availabilityZones(): string[] {
    return [...this.config.availabilityZones];
  }

  /**
   * A group that may open HTTPS and nothing else. Gateway endpoints are reached through
   * prefix-list routes, so the destination cannot be a security group; the subnets have no route
   * beyond the endpoints, so 0.0.0.0/0:443 reaches only them.
   */
  private httpsOnlyGroup(id: string, description: string): ec2.SecurityGroup {
    const sg = new ec2.SecurityGroup(this, id, { vpc: this.vpc, description, allowAllOutbound: false });
    sg.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to the VPC endpoints (no other route exists)',
    );
    return sg;
  }

  /**
   * A group for endpoint network interfaces: HTTPS from `sources` only. The rules are inline (not
   * AWS::EC2::SecurityGroupIngress resources, which MiniStack rejects).
   */
  private createEndpointsSecurityGroup(
    id: string,
    groupDescription: string,
    sources: [ec2.ISecurityGroup, string][],
  ): ec2.ISecurityGroup {
    const sg = new ec2.CfnSecurityGroup(this, id, {
      vpcId: this.vpc.vpcId,
      groupDescription,
      securityGroupIngress: sources.map(([source, description]) => ({
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        sourceSecurityGroupId: source.securityGroupId,
        description,
      })),
      // Endpoints never open connections: allow no egress (CDK's conventional "no traffic" rule).
      securityGroupEgress: [
        {
          ipProtocol: 'icmp',
          cidrIp: '255.255.255.255/32',
          fromPort: 252,
          toPort: 86,
          description: 'Disallow all traffic',
        },
      ],
    });
    return ec2.SecurityGroup.fromSecurityGroupId(this, `${id}Ref`, sg.attrGroupId, {
      allowAllOutbound: false,
      mutable: false,
    });
  }

  private accountArn(pattern: string): string {
    return `arn:${this.partition}:${pattern.replace('{R}', this.region).replace('{A}', this.account)}`;
  }

  /** Statements an endpoint policy allows: only principals of this account, only listed actions. */
  private endpointStatement(actions: string[], resources: string[], extra?: Record<string, unknown>) {
    return new iam.PolicyStatement({
      principals: [new iam.AnyPrincipal()],
      actions,
      resources,
      conditions: { StringEquals: { 'aws:PrincipalAccount': this.account, ...(extra ?? {}) } },
    });
  }

  private addGatewayEndpoints(): ec2.GatewayVpcEndpoint {
    const subnets = [{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }];
    const dynamodb = this.vpc.addGatewayEndpoint('DynamoDbEndpoint', {
      service: ec2.GatewayVpcEndpointAwsService.DYNAMODB,
      subnets,
    });
    dynamodb.addToPolicy(
      this.endpointStatement(DYNAMODB_ENDPOINT_ACTIONS, [this.accountArn('dynamodb:{R}:{A}:table/*')]),
    );

    // The loader reads and writes the data bucket through this endpoint; it keeps S3
    // private to the VPC and limited to buckets owned by this account.
    const s3 = this.vpc.addGatewayEndpoint('S3Endpoint', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets,
    });
    s3.addToPolicy(
      new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:ListBucket'],
        resources: [`arn:${this.partition}:s3:::*`],
        conditions: {
          StringEquals: { 'aws:PrincipalAccount': this.account, 'aws:ResourceAccount': this.account },
        },
      }),
    );
    return s3;
  }

  private addInterfaceEndpoints(
    securityGroupOf: (id: keyof typeof INTERFACE_ENDPOINTS) => ec2.ISecurityGroup,
  ): Record<keyof typeof INTERFACE_ENDPOINTS, ec2.InterfaceVpcEndpoint> {
    const endpoints: Partial<Record<keyof typeof INTERFACE_ENDPOINTS, ec2.InterfaceVpcEndpoint>> = {};
    for (const [id, spec] of Object.entries(INTERFACE_ENDPOINTS)) {
      const endpoint = this.vpc.addInterfaceEndpoint(`${id}Endpoint`, {
        service: spec.service,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        securityGroups: [securityGroupOf(id as keyof typeof INTERFACE_ENDPOINTS)],
        open: false,
        privateDnsEnabled: true,
      });
      endpoint.addToPolicy(this.endpointStatement([...spec.actions], [this.accountArn(spec.arn)]));
      if ('anyResourceActions' in spec)
        endpoint.addToPolicy(this.endpointStatement([...spec.anyResourceActions], ['*']));
      endpoints[id as keyof typeof INTERFACE_ENDPOINTS] = endpoint;
    }
    return endpoints as Record<keyof typeof INTERFACE_ENDPOINTS, ec2.InterfaceVpcEndpoint>;
  }

  private addFlowLogs(): void {
    const cfg = this.config;
    const key = createKey(this, 'FlowLogsKey', cfg, 'flow-logs');
    allowLogsToUseKey(key, [flowLogGroupName(cfg.name)]);
    const logGroup = new logs.LogGroup(this, 'FlowLogsLogGroup', {
      logGroupName: flowLogGroupName(cfg.name),
      encryptionKey: key,
      retention: logRetention(cfg),
      removalPolicy: removalPolicy(cfg),
    });

    // Written explicitly (not FlowLog's helper) so the role holds exactly these actions.
    const role = new iam.Role(this, 'FlowLogsRole', {
      description: 'VPC flow logs delivery to its log group',
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': `arn:${this.partition}:ec2:${this.region}:${this.account}:vpc-flow-log/*`,
          },
        },
      }),
      inlinePolicies: {
        DeliverFlowLogs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
              // The log group's Arn attribute ends in ':*', which covers its log streams.
              resources: [logGroup.logGroupArn],
            }),
          ],
        }),
      },
    });

    new ec2.CfnFlowLog(this, 'FlowLog', {
      resourceId: this.vpc.vpcId,
      resourceType: 'VPC',
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logGroupName: logGroup.logGroupName,
      deliverLogsPermissionArn: role.roleArn,
      maxAggregationInterval: 600,
    });
  }
}
