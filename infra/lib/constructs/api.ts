import { Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { Concern } from './concern';

/** One method of the API, integrated with a function (Lambda proxy), IAM-authorized. */
export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the stage, e.g. `users/{userId}/notifications`; `{x}` is a required path parameter. */
  readonly path: string;
  /** What the route invokes: a function's `live` alias (VpcFunction.invokable). */
  readonly handler: lambda.IFunction;
  /** Query-string parameters the method accepts: name -> required. */
  readonly query?: Readonly<Record<string, boolean>>;
  /** Name of the route's request validator (parameters checked before the function runs). */
  readonly validatorName: string;
  /**
   * The IAM roles (ARNs) that may call this route. The resource policy allows them and denies
   * every other principal, so an identity policy elsewhere in the account cannot open the route.
   */
  readonly callers: readonly string[];
}

export interface ServiceApiProps {
  /** Physical name: the monitoring stack addresses the API's metrics by it. */
  readonly restApiName: string;
  readonly description: string;
  /**
   * PRIVATE: reachable only through `executeApiEndpoint` (the resource policy refuses any other
   * path). REGIONAL: the regional endpoint (the emulator), still IAM-authorized.
   */
  readonly endpointType: 'PRIVATE' | 'REGIONAL';
  readonly executeApiEndpoint: ec2.IInterfaceVpcEndpoint;
  readonly stageName: string;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  readonly accessLogGroupName: string;
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly routes: readonly ApiRoute[];
}

/**
 * The REST API: IAM (SigV4) authorization on every route, a resource policy that admits each
 * route's callers (and, PRIVATE, only through the VPC endpoint), a throttled and traced stage, JSON
 * access logs to an encrypted log group, the account's API Gateway logging role, and the same JSON
 * error shape for API Gateway's own 4xx/5xx as the functions use.
 *
 * Children: `AccessLogs`, `GatewayCloudWatchRole`, `GatewayAccount`, the RestApi. Outputs: `api`,
 * `restApiName`, `accessLogGroupName`.
 */
export class ServiceApi extends Concern {
  readonly api: apigw.RestApi;
  readonly restApiName: string;
  readonly accessLogGroupName: string;
  readonly stageName: string;
  /** The routes, for per-route monitoring (metric dimensions Method and Resource). */
  readonly routes: readonly ApiRoute[];

  constructor(scope: Construct, id: string, props: ServiceApiProps) {
    super(scope, id);
    this.restApiName = props.restApiName;
    this.accessLogGroupName = props.accessLogGroupName;
    this.stageName = props.stageName;
    this.routes = props.routes;
    const isPrivate = props.endpointType === 'PRIVATE';

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: props.accessLogGroupName,
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    // API Gateway writes access logs with the account-level CloudWatch role (one per account and
    // region). Written here with exactly the access-log actions instead of the managed policy.
    const cloudWatchRole = new iam.Role(this, 'GatewayCloudWatchRole', {
      description: 'API Gateway account role: write the access logs of this environment',
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      inlinePolicies: {
        WriteAccessLogs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
              resources: [accessLogs.logGroupArn],
            }),
            // Authorized on no resource type: on the log group's ARN the grant would never apply.
            new iam.PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: ['*'] }),
          ],
        }),
      },
    });
    Validations.of(cloudWatchRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'logs:DescribeLogGroups is authorized on no resource type (AWS requires Resource "*"); it lists ' +
        'log groups and reads no log data. Every write is limited to the access log group.',
    });
    const account = new apigw.CfnAccount(this, 'GatewayAccount', {
      cloudWatchRoleArn: cloudWatchRole.roleArn,
    });

    const statements = props.routes.flatMap((r) => {
      const route = `execute-api:/${props.stageName}/${r.method}/${r.path.replace(/\{[^}]+\}/g, '*')}`;
      if (r.callers.length === 0)
        throw new Error(`${this.node.path}: route ${r.method} ${r.path} has no caller`);
      return [
        new iam.PolicyStatement({
          principals: r.callers.map((arn) => new iam.ArnPrincipal(arn)),
          actions: ['execute-api:Invoke'],
          resources: [route],
        }),
        // Same-account callers are admitted by an identity policy alone unless the API denies them.
        new iam.PolicyStatement({
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['execute-api:Invoke'],
          resources: [route],
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...r.callers] } },
        }),
      ];
    });
    if (isPrivate) {
      statements.push(
        new iam.PolicyStatement({
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['execute-api:Invoke'],
          resources: ['execute-api:/*'],
          conditions: { StringNotEquals: { 'aws:SourceVpce': props.executeApiEndpoint.vpcEndpointId } },
        }),
      );
    }

    const api = new apigw.RestApi(this, 'Default', {
      restApiName: props.restApiName,
      description: props.description,
      endpointConfiguration: {
        types: [isPrivate ? apigw.EndpointType.PRIVATE : apigw.EndpointType.REGIONAL],
        vpcEndpoints: isPrivate ? [props.executeApiEndpoint] : undefined,
      },
      policy: new iam.PolicyDocument({ statements }),
      cloudWatchRole: false,
      deployOptions: {
        stageName: props.stageName,
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
        // X-Ray tracing of requests: managed by API Gateway, needs no IAM grant.
        tracingEnabled: true,
        // Detailed metrics: Count, 4XXError, 5XXError and Latency per method and resource, so each
        // route is alarmed on its own (monitoring-stack.ts).
        metricsEnabled: true,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
    });
    this.api = api;
    api.deploymentStage.node.addDependency(account);
    // RestApi always adds an "Endpoint" output with a hashed name; the stack's ApiUrl is the stable one.
    api.node.tryRemoveChild('Endpoint');
    Validations.of(api).acknowledge(
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'No WAF: the API is IAM-authorized, throttled per stage, and in AWS environments PRIVATE ' +
          '(reachable only through the execute-api VPC endpoint), so there is no anonymous or internet traffic to filter.',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason:
          'Execution logging is off on purpose: API Gateway writes it to a log group it creates itself ' +
          '(no CMK, no retention). JSON access logs (CMK, retention) and the function logs cover each request.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Callers are AWS principals of this account: the method uses AWS_IAM (SigV4) authorization, not Cognito.',
      },
    );

    // Every API Gateway-generated 4xx/5xx uses the same JSON error shape as the functions.
    for (const [responseId, type] of [
      ['Default4xx', apigw.ResponseType.DEFAULT_4XX],
      ['Default5xx', apigw.ResponseType.DEFAULT_5XX],
    ] as const) {
      api.addGatewayResponse(responseId, {
        type,
        templates: {
          'application/json':
            '{"error":"$context.error.responseType","message":$context.error.messageString}',
        },
      });
    }

    for (const route of props.routes) this.addMethod(route);
  }

  private addMethod(route: ApiRoute): void {
    const pathParameters = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const requestParameters: Record<string, boolean> = {};
    for (const name of pathParameters) requestParameters[`method.request.path.${name}`] = true;
    for (const [name, required] of Object.entries(route.query ?? {})) {
      requestParameters[`method.request.querystring.${name}`] = required;
    }
    this.api.root
      .resourceForPath(route.path)
      .addMethod(
        route.method,
        new apigw.LambdaIntegration(route.handler, { proxy: true, allowTestInvoke: false }),
        {
          authorizationType: apigw.AuthorizationType.IAM,
          requestParameters,
          requestValidatorOptions: {
            requestValidatorName: route.validatorName,
            validateRequestParameters: true,
            // A method without a body model: both flags on is what the nag rule recognizes.
            validateRequestBody: true,
          },
        },
      );
  }
}
