import { describe, expect, it } from 'vitest';
import { ENV_NAMES } from '../config';
import { synthEnv } from './support/synth';
import { ofType, one, refId, typeOf } from './support/template-helpers';

const INTERFACE_SERVICES = ['execute-api', 'kms', 'logs', 'secretsmanager', 'sqs'];

describe.each(ENV_NAMES)('network stack (%s)', (env) => {
  const s = synthEnv(env);
  const t = s.networkJson;

  it('has no NAT gateway, internet gateway, egress-only gateway or route out', () => {
    for (const type of [
      'AWS::EC2::NatGateway',
      'AWS::EC2::InternetGateway',
      'AWS::EC2::VPCGatewayAttachment',
      'AWS::EC2::EgressOnlyInternetGateway',
      'AWS::EC2::Route',
      'AWS::EC2::EIP',
    ]) {
      expect(ofType(t, type), type).toEqual([]);
    }
  });

  it('has only isolated subnets, one per configured AZ, none public', () => {
    const subnets = ofType(t, 'AWS::EC2::Subnet');
    expect(subnets).toHaveLength(s.cfg.network.azCount);
    expect(subnets.map(([, p]) => p.AvailabilityZone).sort()).toEqual(
      s.cfg.availabilityZones.slice(0, s.cfg.network.azCount),
    );
    for (const [id, p] of subnets) {
      expect(p.MapPublicIpOnLaunch, id).toBe(false);
      expect(p.Tags, id).toContainEqual({ Key: 'aws-cdk:subnet-type', Value: 'Isolated' });
    }
    expect(s.stacks.network.vpc.publicSubnets).toHaveLength(0);
    expect(s.stacks.network.vpc.privateSubnets).toHaveLength(0);
  });

  it('has DynamoDB and S3 gateway endpoints on every route table', () => {
    const routeTables = ofType(t, 'AWS::EC2::RouteTable')
      .map(([id]) => id)
      .sort();
    const gateways = ofType(t, 'AWS::EC2::VPCEndpoint').filter(([, p]) => p.VpcEndpointType === 'Gateway');
    expect(
      gateways.map(([, p]) => JSON.stringify(p.ServiceName).match(/\.(dynamodb|s3)"/)?.[1]).sort(),
    ).toEqual(['dynamodb', 's3']);
    for (const [id, p] of gateways) {
      expect((p.RouteTableIds as unknown[]).map(refId).sort(), id).toEqual(routeTables);
    }
  });

  it('has private-DNS interface endpoints for SQS, Logs, Secrets Manager, KMS and execute-api', () => {
    const [sgId] = ofType(t, 'AWS::EC2::SecurityGroup').find(([, p]) =>
      String(p.GroupDescription).includes('interface endpoints'),
    )!;
    const interfaces = ofType(t, 'AWS::EC2::VPCEndpoint').filter(
      ([, p]) => p.VpcEndpointType === 'Interface',
    );
    expect(interfaces.map(([, p]) => String(p.ServiceName).split('.').pop()).sort()).toEqual(
      INTERFACE_SERVICES,
    );
    const [apiSgId] = ofType(t, 'AWS::EC2::SecurityGroup').find(([, p]) =>
      String(p.GroupDescription).includes('execute-api endpoint: HTTPS from'),
    )!;
    for (const [id, p] of interfaces) {
      expect(p.PrivateDnsEnabled, id).toBe(true);
      // The API's endpoint has its own group (its callers reach no other endpoint).
      const own = String(p.ServiceName).endsWith('.execute-api') ? apiSgId : sgId;
      expect((p.SecurityGroupIds as unknown[]).map(refId), id).toEqual([own]);
    }
  });

  it('limits every endpoint policy to principals of this account and named actions', () => {
    for (const [id, p] of ofType(t, 'AWS::EC2::VPCEndpoint')) {
      const statements = (p.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
      expect(statements.length, id).toBeGreaterThan(0);
      for (const st of statements) {
        expect(st.Effect, id).toBe('Allow');
        expect(st.Condition, id).toMatchObject({ StringEquals: { 'aws:PrincipalAccount': s.cfg.account } });
        expect(String(st.Action), id).not.toMatch(/(^|:)\*$/);
        // Resource "*" only for an action AWS authorizes on no resource type.
        if (st.Resource === '*') {
          expect(st.Action, id).toBe('secretsmanager:GetRandomPassword');
          continue;
        }
        const resource = String(st.Resource);
        if (resource.startsWith('arn:aws:s3:::')) {
          expect(st.Condition, id).toMatchObject({ StringEquals: { 'aws:ResourceAccount': s.cfg.account } });
        } else {
          expect(resource, id).toContain(`:${s.cfg.region}:${s.cfg.account}:`);
        }
      }
    }
  });

  it('lets the functions open only HTTPS, database clients HTTPS and PostgreSQL in the VPC, and the endpoints accept only HTTPS from both', () => {
    const groups = ofType(t, 'AWS::EC2::SecurityGroup');
    const [fnSgId, fnSg] = groups.find(([, p]) => String(p.GroupDescription).includes('functions:'))!;
    const [dbSgId, dbSg] = groups.find(([, p]) => String(p.GroupDescription).includes('database clients'))!;
    const [, epSg] = groups.find(([, p]) => String(p.GroupDescription).includes('interface endpoints'))!;
    expect(fnSg.SecurityGroupIngress).toBeUndefined();
    expect(fnSg.SecurityGroupEgress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }),
    ]);
    expect(dbSg.SecurityGroupIngress).toBeUndefined();
    expect(dbSg.SecurityGroupEgress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }),
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        CidrIp: s.cfg.network.vpcCidr,
      }),
    ]);
    const ingress = epSg.SecurityGroupIngress as Record<string, unknown>[];
    expect(ingress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    expect(ingress.map((r) => refId(r.SourceSecurityGroupId)).sort()).toEqual([fnSgId, dbSgId].sort());
    for (const r of ingress) expect(r.CidrIp).toBeUndefined();
    // The conventional "no traffic" egress rule: nothing leaves the endpoints' group.
    expect(epSg.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '255.255.255.255/32', IpProtocol: 'icmp' }),
    ]);
    // Standalone rule resources are rejected by MiniStack; every rule is inline.
    expect(ofType(t, 'AWS::EC2::SecurityGroupIngress')).toEqual([]);
    expect(ofType(t, 'AWS::EC2::SecurityGroupEgress')).toEqual([]);
  });

  it('logs all VPC traffic to an encrypted log group with retention when the config enables it', () => {
    const flowLogs = ofType(t, 'AWS::EC2::FlowLog');
    if (!s.cfg.network.flowLogs.enabled) {
      expect(flowLogs).toEqual([]);
      return;
    }
    const [, fl] = one(t, 'AWS::EC2::FlowLog');
    expect(fl).toMatchObject({
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    expect(typeOf(t, refId(fl.ResourceId))).toBe('AWS::EC2::VPC');
    const logGroupId = refId(fl.LogGroupName);
    const lg = t.Resources[logGroupId!].Properties!;
    expect(lg.RetentionInDays).toBe(s.cfg.logRetentionDays);
    expect(typeOf(t, refId(lg.KmsKeyId))).toBe('AWS::KMS::Key');
  });
});

describe.each(ENV_NAMES)('API clients (%s)', (env) => {
  const t = synthEnv(env).networkJson;
  const groups = ofType(t, 'AWS::EC2::SecurityGroup');

  it('exports the api-clients group, which may open only HTTPS and is the only one the execute-api endpoint admits', () => {
    const [clientsId, clients] = groups.find(([, p]) => String(p.GroupDescription).includes('API clients:'))!;
    expect(clients.SecurityGroupIngress).toBeUndefined();
    expect(clients.SecurityGroupEgress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }),
    ]);
    const [, endpointSg] = groups.find(([, p]) =>
      String(p.GroupDescription).includes('execute-api endpoint: HTTPS from'),
    )!;
    const ingress = endpointSg.SecurityGroupIngress as Record<string, unknown>[];
    expect(ingress.map((r) => [r.FromPort, r.ToPort, refId(r.SourceSecurityGroupId), r.CidrIp])).toEqual([
      [443, 443, clientsId, undefined],
    ]);
    const out = t.Outputs!.ApiClientsSecurityGroupId;
    expect(refId(out.Value)).toBe(clientsId);
    expect(out.Export!.Name).toBe(`DailyNotifications-${env}-Network-ApiClientsSecurityGroupId`);
  });
});

describe('flow logs follow the config', () => {
  it('are on in every AWS environment and off only in local', () => {
    expect(ENV_NAMES.filter((e) => synthEnv(e).cfg.network.flowLogs.enabled)).toEqual(['dev', 'qa', 'prod']);
    for (const e of ['dev', 'qa', 'prod'] as const)
      expect(ofType(synthEnv(e).networkJson, 'AWS::EC2::FlowLog')).toHaveLength(1);
  });
});
