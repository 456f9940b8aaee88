import { describe, expect, it } from 'vitest';
import { ENV_NAMES, type EnvConfig } from '../config';
import { synthEnv, type CfnTemplate } from './support/synth';
import { importedValue, ofType, one, refId, typeOf, type Props } from './support/template-helpers';

const COMMON_ENV = ['LOG_LEVEL', 'METRICS_NAMESPACE', 'SERVICE_NAME'];
/** Function environment variables, exactly as the shared contract (TEAM.md) lists them. */
const CONTRACT_ENV: Record<string, string[]> = {
  'find-daily': ['QUEUE_URL', 'TABLE_NAME', 'TIMEZONE'],
  generate: ['INBOX_TTL_DAYS', 'MAX_PAGES_PER_INVOCATION', 'QUEUE_URL', 'TABLE_NAME'],
  'get-notifications': ['CURSOR_SECRET_ARN', 'TABLE_NAME'],
  'update-notifications': ['TABLE_NAME'],
  'manage-notifications': ['SEGMENTS', 'TABLE_NAME', 'TIMEZONE'],
};
const SIZING_KEY = {
  'find-daily': 'findDaily',
  generate: 'generate',
  'get-notifications': 'getNotifications',
  'update-notifications': 'updateNotifications',
  'manage-notifications': 'manageNotifications',
} as const;

function fnName(p: Props): keyof typeof CONTRACT_ENV {
  return String(p.FunctionName).replace(/^daily-notifications-[a-z]+-/, '') as keyof typeof CONTRACT_ENV;
}

/** Callers invoke a function's `live` alias: the function id behind a reference to the alias. */
function aliasTarget(t: CfnTemplate, ref: unknown): string | undefined {
  // A Ref/GetAtt of the alias, or (event source mapping) `<function name>:live` built from its Ref.
  const alias = refId(ref) ?? /"Ref":"([^"]+)"/.exec(JSON.stringify(ref))?.[1];
  expect(typeOf(t, alias)).toBe('AWS::Lambda::Alias');
  const p = t.Resources[alias!].Properties!;
  expect(p.Name).toBe('live');
  return refId(p.FunctionName);
}

describe.each(ENV_NAMES)('notifications stack (%s)', (env) => {
  const s = synthEnv(env);
  const cfg: EnvConfig = s.cfg;
  const t = s.notificationsJson;
  const net = s.networkJson;
  const functions = ofType(t, 'AWS::Lambda::Function');
  const byName = Object.fromEntries(functions.map(([id, p]) => [fnName(p), { id, p }]));

  it('has the five functions on provided.al2023 with handler bootstrap', () => {
    expect(Object.keys(byName).sort()).toEqual([
      'find-daily',
      'generate',
      'get-notifications',
      'manage-notifications',
      'update-notifications',
    ]);
    for (const [id, p] of functions) {
      expect(p, id).toMatchObject({
        Runtime: 'provided.al2023',
        Handler: 'bootstrap',
        Architectures: ['x86_64'],
      });
    }
  });

  it('runs every function in the isolated subnets with the functions security group', () => {
    const isolated = ofType(net, 'AWS::EC2::Subnet')
      .filter(([, p]) => (p.Tags as { Key: string; Value: string }[]).some((tag) => tag.Value === 'Isolated'))
      .map(([id]) => id)
      .sort();
    expect(isolated).toHaveLength(cfg.network.azCount);
    for (const [id, p] of functions) {
      const vpc = p.VpcConfig as { SubnetIds: unknown[]; SecurityGroupIds: unknown[] };
      expect(vpc.SubnetIds.map((x) => refId(importedValue(x, net))).sort(), id).toEqual(isolated);
      const [sg] = vpc.SecurityGroupIds.map((x) => refId(importedValue(x, net)));
      expect(String(net.Resources[sg!].Properties!.GroupDescription), id).toContain('functions');
      expect(vpc.SecurityGroupIds, id).toHaveLength(1);
    }
  });

  it('sizes each function from the config', () => {
    for (const [name, { id, p }] of Object.entries(byName)) {
      const sizing = cfg.functions[SIZING_KEY[name as keyof typeof SIZING_KEY]];
      expect(p, id).toMatchObject({
        MemorySize: sizing.memoryMb,
        Timeout: sizing.timeoutSeconds,
        ReservedConcurrentExecutions: sizing.reservedConcurrency,
      });
    }
  });

  it('gives each function exactly the contract environment variables', () => {
    for (const [name, { id, p }] of Object.entries(byName)) {
      const vars = (p.Environment as { Variables: Record<string, unknown> }).Variables;
      const expected = [
        ...COMMON_ENV,
        ...CONTRACT_ENV[name],
        ...(cfg.awsEndpointUrl ? ['AWS_ENDPOINT_URL'] : []),
      ];
      expect(Object.keys(vars).sort(), id).toEqual(expected.sort());
      expect(vars.SERVICE_NAME).toBe(name);
      expect(vars.LOG_LEVEL).toBe(cfg.functions.logLevel);
      expect(vars.METRICS_NAMESPACE).toBe('DailyNotifications');
      if (cfg.awsEndpointUrl) expect(vars.AWS_ENDPOINT_URL).toBe(cfg.awsEndpointUrl);
      expect(typeOf(t, refId(vars.TABLE_NAME))).toBe('AWS::DynamoDB::Table');
      // Environment variables are encrypted with a customer-managed key.
      expect(typeOf(t, refId(p.KmsKeyArn)), id).toBe('AWS::KMS::Key');
    }
    const find = (byName['find-daily'].p.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(find.TIMEZONE).toBe(cfg.schedule.timezone);
    expect(typeOf(t, refId(find.QUEUE_URL))).toBe('AWS::SQS::Queue');
    const gen = (byName.generate.p.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(gen.INBOX_TTL_DAYS).toBe(String(cfg.data.inboxTtlDays));
    expect(gen.MAX_PAGES_PER_INVOCATION).toBe(String(cfg.functions.maxPagesPerInvocation));
    const get = (byName['get-notifications'].p.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(typeOf(t, refId(get.CURSOR_SECRET_ARN))).toBe('AWS::SecretsManager::Secret');
    const manage = (byName['manage-notifications'].p.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(manage.TIMEZONE).toBe(cfg.schedule.timezone);
    expect(manage.SEGMENTS).toBe(cfg.audiences.segments.map((seg) => seg.name).join(','));
  });

  it('gives every function its own role and its own log group', () => {
    const roles = functions.map(([, p]) => refId(p.Role));
    expect(new Set(roles).size).toBe(5);
    for (const r of roles) expect(typeOf(t, r)).toBe('AWS::IAM::Role');
    const logGroups = functions.map(([, p]) => refId((p.LoggingConfig as Props).LogGroup));
    expect(new Set(logGroups).size).toBe(5);
    for (const [name, { p }] of Object.entries(byName)) {
      const lg = t.Resources[refId((p.LoggingConfig as Props).LogGroup)!].Properties!;
      expect(lg.LogGroupName).toBe(`/aws/lambda/daily-notifications-${env}-${name}`);
    }
  });

  it('encrypts every store with a customer-managed key that rotates', () => {
    const isKey = (v: unknown) => typeOf(t, refId(v)) === 'AWS::KMS::Key';
    const [, table] = one(t, 'AWS::DynamoDB::Table');
    expect(table.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
    expect(isKey((table.SSESpecification as Props).KMSMasterKeyId)).toBe(true);
    const queues = ofType(t, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(3);
    for (const [id, q] of queues) expect(isKey(q.KmsMasterKeyId), id).toBe(true);
    for (const [id, lg] of ofType(t, 'AWS::Logs::LogGroup')) expect(isKey(lg.KmsKeyId), id).toBe(true);
    for (const [id, lg] of ofType(net, 'AWS::Logs::LogGroup')) {
      expect(typeOf(net, refId(lg.KmsKeyId)), id).toBe('AWS::KMS::Key');
    }
    const [, secret] = one(t, 'AWS::SecretsManager::Secret');
    expect(isKey(secret.KmsKeyId)).toBe(true);
    for (const [id, k] of [...ofType(t, 'AWS::KMS::Key'), ...ofType(net, 'AWS::KMS::Key')]) {
      expect(k.EnableKeyRotation, id).toBe(true);
    }
  });

  it('defines the Notifications table per the shared contract', () => {
    const [, table] = one(t, 'AWS::DynamoDB::Table');
    expect(table).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'statePk', AttributeType: 'S' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: cfg.data.deletionProtection,
    });
  });

  it('gives every queue a DLQ except the DLQs themselves, and TLS-only policies to all', () => {
    const queues = ofType(t, 'AWS::SQS::Queue');
    const dlqs = new Set<string>();
    for (const [, q] of queues) {
      const rp = q.RedrivePolicy as Props | undefined;
      if (rp) dlqs.add(refId(rp.deadLetterTargetArn)!);
    }
    const [, schedule] = one(t, 'AWS::Scheduler::Schedule');
    dlqs.add(refId(((schedule.Target as Props).DeadLetterConfig as Props).Arn)!);
    for (const [, p] of functions) {
      if (p.DeadLetterConfig) dlqs.add(refId((p.DeadLetterConfig as Props).TargetArn)!);
    }
    expect(dlqs.size).toBe(2);
    for (const [id, q] of queues) {
      if (dlqs.has(id)) continue;
      expect(q.RedrivePolicy, id).toMatchObject({ maxReceiveCount: cfg.queue.maxReceiveCount });
    }
    expect(queues.filter(([id]) => !dlqs.has(id))).toHaveLength(1);

    const policies = ofType(t, 'AWS::SQS::QueuePolicy');
    const covered = policies.flatMap(([, p]) => (p.Queues as unknown[]).map(refId));
    expect(covered.sort()).toEqual(queues.map(([id]) => id).sort());
    for (const [id, p] of policies) {
      expect((p.PolicyDocument as { Statement: unknown[] }).Statement, id).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('sets the queue visibility timeout to at least 6x the generate timeout', () => {
    const generate = byName.generate.p;
    const [, esm] = one(t, 'AWS::Lambda::EventSourceMapping');
    const queue = t.Resources[refId(esm.EventSourceArn)!].Properties!;
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (generate.Timeout as number));
    expect(queue.VisibilityTimeout).toBe(6 * cfg.functions.generate.timeoutSeconds);
  });

  it('feeds generate from the queue with ReportBatchItemFailures and maximum concurrency', () => {
    const [, esm] = one(t, 'AWS::Lambda::EventSourceMapping');
    expect(aliasTarget(t, esm.FunctionName)).toBe(byName.generate.id);
    expect(esm).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: cfg.queue.maxConcurrency },
      BatchSize: cfg.queue.batchSize,
    });
  });

  it('schedules find-daily in the configured time zone with its own role and a DLQ', () => {
    const [, schedule] = one(t, 'AWS::Scheduler::Schedule');
    const target = schedule.Target as Props;
    expect(schedule).toMatchObject({
      ScheduleExpression: cfg.schedule.expression,
      ScheduleExpressionTimezone: cfg.schedule.timezone,
      State: 'ENABLED',
    });
    expect(aliasTarget(t, target.Arn)).toBe(byName['find-daily'].id);
    const role = refId(target.RoleArn)!;
    expect(typeOf(t, role)).toBe('AWS::IAM::Role');
    expect(functions.map(([, p]) => refId(p.Role))).not.toContain(role);
    expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: cfg.schedule.maxRetryAttempts });
    expect(JSON.parse(String(target.Input))).toMatchObject({ source: 'aws.scheduler' });
  });

  it('gives every log group the configured retention', () => {
    const groups = [...ofType(t, 'AWS::Logs::LogGroup'), ...ofType(net, 'AWS::Logs::LogGroup')];
    expect(groups.length).toBe(cfg.network.flowLogs.enabled ? 7 : 6);
    for (const [id, lg] of groups) expect(lg.RetentionInDays, id).toBe(cfg.logRetentionDays);
  });

  it('exposes the inbox and admin routes with AWS_IAM auth and parameter validation, each on its function', () => {
    // path of each method, from its resource chain
    const resources = Object.fromEntries(ofType(t, 'AWS::ApiGateway::Resource'));
    const pathOf = (id: string | undefined): string =>
      id && resources[id] ? `${pathOf(refId(resources[id].ParentId))}/${String(resources[id].PathPart)}` : '';
    const methods = Object.fromEntries(
      ofType(t, 'AWS::ApiGateway::Method').map(([, m]) => [
        `${String(m.HttpMethod)} ${pathOf(refId(m.ResourceId))}`,
        m,
      ]),
    );
    expect(Object.keys(methods).sort()).toEqual([
      'DELETE /admin/notifications/{notificationId}',
      'GET /admin/notifications',
      'GET /users/{userId}/notifications',
      'GET /users/{userId}/notifications/count',
      'PATCH /users/{userId}/notifications/{id}',
      'POST /users/{userId}/notifications/read-all',
      'PUT /admin/notifications/{notificationId}',
    ]);
    expect(methods['GET /admin/notifications'].RequestParameters).toEqual({
      'method.request.querystring.date': true,
    });
    expect(methods['PUT /admin/notifications/{notificationId}'].RequestParameters).toEqual({
      'method.request.path.notificationId': true,
    });
    expect(methods['GET /users/{userId}/notifications'].RequestParameters).toEqual({
      'method.request.path.userId': true,
      'method.request.querystring.limit': false,
      'method.request.querystring.cursor': false,
      'method.request.querystring.status': false,
    });
    expect(methods['PATCH /users/{userId}/notifications/{id}'].RequestParameters).toEqual({
      'method.request.path.userId': true,
      'method.request.path.id': true,
    });
    const validators = Object.fromEntries(ofType(t, 'AWS::ApiGateway::RequestValidator'));
    const handlers: Record<string, string> = {
      'GET /users/{userId}/notifications': 'get-notifications',
      'GET /users/{userId}/notifications/count': 'get-notifications',
      'PATCH /users/{userId}/notifications/{id}': 'update-notifications',
      'POST /users/{userId}/notifications/read-all': 'update-notifications',
      'PUT /admin/notifications/{notificationId}': 'manage-notifications',
      'GET /admin/notifications': 'manage-notifications',
      'DELETE /admin/notifications/{notificationId}': 'manage-notifications',
    };
    for (const [route, method] of Object.entries(methods)) {
      expect(method, route).toMatchObject({
        AuthorizationType: 'AWS_IAM',
        Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' },
      });
      expect(validators[refId(method.RequestValidatorId)!].ValidateRequestParameters, route).toBe(true);
      const uri = JSON.stringify((method.Integration as Props).Uri);
      const alias = /"Ref":"([A-Za-z0-9]+Alias[A-Za-z0-9]*)"/.exec(uri)?.[1];
      expect(aliasTarget(t, { Ref: alias }), route).toBe(byName[handlers[route]].id);
    }
  });

  it('indexes inbox records by read state in one sparse global secondary index', () => {
    const [, table] = one(t, 'AWS::DynamoDB::Table');
    expect(table.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'state',
        KeySchema: [
          { AttributeName: 'statePk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  it('throttles the stage, traces it and writes JSON access logs to an encrypted log group', () => {
    const [, stage] = one(t, 'AWS::ApiGateway::Stage');
    expect(stage.StageName).toBe(cfg.api.stageName);
    expect(stage.TracingEnabled).toBe(true);
    expect(stage.MethodSettings).toContainEqual(
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: cfg.api.throttlingRateLimit,
        ThrottlingBurstLimit: cfg.api.throttlingBurstLimit,
      }),
    );
    const access = stage.AccessLogSetting as Props;
    const format = JSON.parse(String(access.Format)) as Record<string, string>;
    expect(format.status).toBe('$context.status');
    // arn:...:log-group:<Ref LogGroup> (CDK's logGroupDestinationArnWithoutWildcard form).
    const [, parts] = (access.DestinationArn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    const lg = t.Resources[refId(parts[1])!].Properties!;
    expect(lg.KmsKeyId).toBeDefined();
    expect(lg.LogGroupName).toBe(`/aws/apigateway/daily-notifications-${env}-access`);
  });

  it(`uses the ${env === 'local' ? 'REGIONAL' : 'PRIVATE'} endpoint type from the config`, () => {
    const [, api] = one(t, 'AWS::ApiGateway::RestApi');
    const statements = (api.Policy as { Statement: Props[] }).Statement;
    expect((api.EndpointConfiguration as Props).Types).toEqual([cfg.api.endpointType]);
    // The endpoint rule: every request not through the execute-api endpoint (the caller rule is below).
    const deny = statements.filter(
      (st) => st.Effect === 'Deny' && JSON.stringify(st.Condition).includes('SourceVpce'),
    );
    if (cfg.api.endpointType === 'REGIONAL') {
      expect(deny).toEqual([]);
      return;
    }
    expect(deny).toHaveLength(1);
    const vpce = (deny[0].Condition as { StringNotEquals: Record<string, unknown> }).StringNotEquals[
      'aws:SourceVpce'
    ];
    const endpoint = refId(importedValue(vpce, net))!;
    expect(String(net.Resources[endpoint].Properties!.ServiceName)).toMatch(/\.execute-api$/);
    expect(deny[0].Resource).toBe('execute-api:/*');
  });

  it('admits to each route only its configured roles (inbox callers, admins) and the tests role, and denies every other principal', () => {
    const [, api] = one(t, 'AWS::ApiGateway::RestApi');
    const statements = (api.Policy as { Statement: Props[] }).Statement;
    const testsRole = `arn:aws:iam::${cfg.account}:role/daily-notifications-${env}-github-deployment-tests`;
    const inbox = [...cfg.api.callerRoleArns, testsRole].sort();
    const admins = [...cfg.api.adminRoleArns, testsRole].sort();
    const admittedTo: Record<string, string[]> = {
      'execute-api:/v1/GET/users/*/notifications': inbox,
      'execute-api:/v1/GET/users/*/notifications/count': inbox,
      'execute-api:/v1/PATCH/users/*/notifications/*': inbox,
      'execute-api:/v1/POST/users/*/notifications/read-all': inbox,
      'execute-api:/v1/PUT/admin/notifications/*': admins,
      'execute-api:/v1/GET/admin/notifications': admins,
      'execute-api:/v1/DELETE/admin/notifications/*': admins,
    };
    const routes = Object.keys(admittedTo);
    // CDK merges statements that differ only in their resources: a Resource may be a list.
    const resources = (st: Props) => ([] as unknown[]).concat(st.Resource);
    const allows = statements.filter((st) => st.Effect === 'Allow');
    expect(allows.flatMap(resources).sort()).toEqual([...routes].sort());
    expect(JSON.stringify(allows)).not.toContain(':root');
    for (const route of routes) {
      const admitted = admittedTo[route];
      const allow = allows.find((st) => resources(st).includes(route))!;
      expect(allow, route).toMatchObject({ Effect: 'Allow', Action: 'execute-api:Invoke' });
      expect(
        ([] as string[]).concat((allow.Principal as { AWS: string | string[] }).AWS).sort(),
        route,
      ).toEqual(admitted);
      const others = statements.find((st) => st.Effect === 'Deny' && resources(st).includes(route))!;
      expect(others, route).toMatchObject({ Principal: { AWS: '*' }, Action: 'execute-api:Invoke' });
      const arns = (others.Condition as { ArnNotEquals: Record<string, string[]> }).ArnNotEquals[
        'aws:PrincipalArn'
      ];
      expect([...arns].sort(), route).toEqual(admitted);
    }
  });

  it('exports the stack outputs the scripts and deployment tests use', () => {
    // ExportsOutput*: CDK's exports of what the data stack references (the table and its key).
    const outputs = Object.keys(t.Outputs ?? {}).filter((o) => !o.startsWith('ExportsOutput'));
    expect(outputs.sort()).toEqual(
      [
        'ApiId',
        'ApiStageName',
        'ApiUrl',
        'CursorSecretArn',
        'DailyRunDlqUrl',
        'FindDailyFunctionName',
        'GenerateDlqArn',
        'GenerateDlqUrl',
        'GenerateFunctionName',
        'GenerateQueueUrl',
        'GetNotificationsFunctionName',
        'ManageNotificationsFunctionName',
        'UpdateNotificationsFunctionName',
        'MaxReceiveCount',
        'ScheduleName',
        'SegmentNames',
        'TableName',
        'Timezone',
      ].sort(),
    );
  });
});

describe('environment differences', () => {
  it('protects the prod table from deletion and retains it, but not dev', () => {
    const [, prodTable] = one(synthEnv('prod').notificationsJson, 'AWS::DynamoDB::Table');
    expect(prodTable.DeletionProtectionEnabled).toBe(true);
    const prodRaw = Object.values(synthEnv('prod').notificationsJson.Resources).find(
      (r) => r.Type === 'AWS::DynamoDB::Table',
    )!;
    expect(prodRaw.DeletionPolicy).toBe('Retain');
    expect(synthEnv('prod').stacks.notifications.terminationProtection).toBe(true);
    const [, devTable] = one(synthEnv('dev').notificationsJson, 'AWS::DynamoDB::Table');
    expect(devTable.DeletionProtectionEnabled).toBe(false);
  });

  it('makes the API PRIVATE in every AWS environment and REGIONAL only in local', () => {
    const types = Object.fromEntries(
      ENV_NAMES.map((e) => [
        e,
        (one(synthEnv(e).notificationsJson, 'AWS::ApiGateway::RestApi')[1].EndpointConfiguration as Props)
          .Types,
      ]),
    );
    expect(types).toEqual({ local: ['REGIONAL'], dev: ['PRIVATE'], qa: ['PRIVATE'], prod: ['PRIVATE'] });
  });
});
