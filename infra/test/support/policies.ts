/**
 * Reads every grant out of synthesized templates (identity policies, trust policies, resource
 * policies, endpoint policies, Lambda permissions) and renders each as an environment-independent
 * tuple, so it can be compared with the access matrix in docs/SECURITY.md.
 *
 * Rendering: the account id, region, partition and `daily-notifications-<env>` become ${Account},
 * ${Region}, ${Partition} and ${Prefix}; `Ref X` becomes ${X} and `GetAtt X.Attr` becomes ${X.Attr},
 * X being the construct path of the resource inside its stack (see friendlyNames).
 */
import type { EnvConfig } from '../../config';
import type { CfnTemplate } from './synth';

export interface Grant {
  readonly principal: string;
  readonly effect: 'Allow' | 'Deny';
  readonly action: string;
  readonly resource: string;
  readonly condition: string;
}

export interface StackInput {
  readonly template: CfnTemplate;
  /** logicalId -> friendly name */
  readonly names: Map<string, string>;
}

/** Properties that look like policies but are not IAM policies (checked: none grants access). */
const NON_IAM_POLICY_PROPERTIES = new Set(['RedrivePolicy', 'RetryPolicy']);
// The property of a resource policy that names the resources it is attached to.
const POLICY_TARGET: Record<string, string> = {
  'AWS::SNS::TopicPolicy': 'Topics',
  'AWS::SQS::QueuePolicy': 'Queues',
  'AWS::S3::BucketPolicy': 'Bucket',
};

type Json = unknown;

export class GrantExtractor {
  private readonly exports = new Map<string, { value: Json; stack: StackInput }>();

  constructor(
    private readonly cfg: EnvConfig,
    private readonly stacks: StackInput[],
  ) {
    for (const stack of stacks) {
      for (const out of Object.values(stack.template.Outputs ?? {})) {
        if (out.Export && typeof out.Export.Name === 'string') {
          this.exports.set(out.Export.Name, { value: out.Value, stack });
        }
      }
    }
  }

  /** Every grant of every stack. Throws on a policy-bearing property it does not understand. */
  grants(): Grant[] {
    const out: Grant[] = [];
    for (const stack of this.stacks) {
      for (const [id, res] of Object.entries(stack.template.Resources)) {
        out.push(...this.grantsOf(stack, id, res.Type, res.Properties ?? {}));
      }
    }
    return out;
  }

  private grantsOf(stack: StackInput, id: string, type: string, p: Record<string, Json>): Grant[] {
    const self = this.name(stack, id);
    const handled = new Set<string>();
    const grants: Grant[] = [];
    const take = (prop: string) => {
      handled.add(prop);
      return p[prop];
    };

    switch (type) {
      case 'AWS::IAM::Role': {
        grants.push(
          ...this.document(stack, take('AssumeRolePolicyDocument'), { resourceSelf: `\${${self}.Arn}` }),
        );
        const inline = (take('Policies') as { PolicyDocument: Json }[] | undefined) ?? [];
        for (const pol of inline)
          grants.push(...this.document(stack, pol.PolicyDocument, { principal: `role:${self}` }));
        for (const arn of (take('ManagedPolicyArns') as Json[] | undefined) ?? []) {
          grants.push({
            principal: `role:${self}`,
            effect: 'Allow',
            action: 'iam:AttachedManagedPolicy',
            resource: this.render(stack, arn),
            condition: '',
          });
        }
        if (p.PermissionsBoundary !== undefined)
          throw new Error(`${self}: permissions boundaries are not modelled`);
        break;
      }
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy': {
        const doc = take('PolicyDocument');
        for (const kind of ['Users', 'Groups'] as const) {
          if (take(kind) !== undefined)
            throw new Error(`${self}: policies attached to IAM ${kind} are not expected`);
        }
        const roles = (take('Roles') as Json[] | undefined) ?? [];
        for (const role of roles) {
          grants.push(
            ...this.document(stack, doc, {
              principal: `role:${this.render(stack, role).replace(/^\$\{(.*)\}$/, '$1')}`,
            }),
          );
        }
        if (roles.length === 0)
          grants.push(...this.document(stack, doc, { principal: `unattached:${self}` }));
        break;
      }
      case 'AWS::KMS::Key':
        grants.push(...this.document(stack, take('KeyPolicy'), { resourceSelf: `\${${self}.Arn}` }));
        break;
      // A resource policy attached to the resources its target property names.
      case 'AWS::SNS::TopicPolicy':
      case 'AWS::SQS::QueuePolicy':
      case 'AWS::S3::BucketPolicy':
        take(POLICY_TARGET[type]);
        grants.push(...this.document(stack, take('PolicyDocument'), {}));
        break;
      case 'AWS::SecretsManager::ResourcePolicy':
        take('SecretId');
        take('BlockPublicPolicy');
        grants.push(...this.document(stack, take('ResourcePolicy'), {}));
        break;
      case 'AWS::ApiGateway::RestApi':
        grants.push(...this.document(stack, take('Policy'), { resourcePrefix: `\${${self}}` }));
        break;
      case 'AWS::EC2::VPCEndpoint':
        grants.push(...this.document(stack, take('PolicyDocument'), { via: self }));
        break;
      case 'AWS::Lambda::Permission': {
        const conditions: string[] = [];
        if (p.SourceArn !== undefined)
          conditions.push(`ArnLike AWS:SourceArn=${this.render(stack, take('SourceArn'))}`);
        if (p.SourceAccount !== undefined)
          conditions.push(`StringEquals AWS:SourceAccount=${this.render(stack, take('SourceAccount'))}`);
        const principal = this.render(stack, take('Principal'));
        grants.push({
          principal: principal.endsWith('.amazonaws.com') ? `service:${principal}` : `aws:${principal}`,
          effect: 'Allow',
          action: this.render(stack, take('Action')),
          resource: this.render(stack, take('FunctionName')),
          condition: conditions.sort().join('; '),
        });
        break;
      }
      default:
        break;
    }

    for (const prop of Object.keys(p)) {
      if (/Polic(y|ies)/.test(prop) && !handled.has(prop) && !NON_IAM_POLICY_PROPERTIES.has(prop)) {
        throw new Error(
          `Unhandled policy property ${type}.${prop} on ${self}: teach test/support/policies.ts about it`,
        );
      }
    }
    return grants;
  }

  private document(
    stack: StackInput,
    doc: Json,
    opts: { principal?: string; resourceSelf?: string; resourcePrefix?: string; via?: string },
  ): Grant[] {
    if (doc === undefined) return [];
    const statements = ((doc as { Statement: Json[] }).Statement ?? []) as Record<string, Json>[];
    const grants: Grant[] = [];
    for (const st of statements) {
      if (st.NotAction !== undefined || st.NotResource !== undefined || st.NotPrincipal !== undefined) {
        throw new Error('NotAction/NotResource/NotPrincipal are not modelled');
      }
      const effect = st.Effect as 'Allow' | 'Deny';
      const principals = opts.principal ? [opts.principal] : this.principals(stack, st.Principal);
      const actions = toArray(st.Action).map((a) => this.render(stack, a));
      // Trust policies have no Resource: the resource is the role itself.
      const rawResources = st.Resource === undefined ? ['*'] : toArray(st.Resource);
      const resources = rawResources.map((r) => {
        const s = this.render(stack, r);
        if (s === '*' && opts.resourceSelf) return opts.resourceSelf;
        if (opts.resourcePrefix) return `${opts.resourcePrefix}:${s.replace(/^execute-api:/, '')}`;
        return s;
      });
      const condition = this.conditions(stack, st.Condition);
      for (const principal of principals) {
        for (const action of actions) {
          for (const resource of resources) {
            grants.push({
              principal: opts.via ? `${principal} via ${opts.via}` : principal,
              effect,
              action,
              resource,
              condition,
            });
          }
        }
      }
    }
    return grants;
  }

  private principals(stack: StackInput, principal: Json): string[] {
    if (principal === '*') return ['*'];
    if (principal === undefined || typeof principal !== 'object' || principal === null) {
      throw new Error(`Unexpected principal ${JSON.stringify(principal)}`);
    }
    const out: string[] = [];
    for (const [kind, value] of Object.entries(principal)) {
      const prefix = { Service: 'service', AWS: 'aws', Federated: 'federated', CanonicalUser: 'canonical' }[
        kind
      ];
      if (!prefix) throw new Error(`Unknown principal kind ${kind}`);
      for (const v of toArray(value)) out.push(`${prefix}:${this.render(stack, v)}`);
    }
    return out;
  }

  /** `Operator key=value` (values sorted, `[a, b]` when several), clauses sorted, joined by '; '. */
  private conditions(stack: StackInput, condition: Json): string {
    if (condition === undefined) return '';
    const clauses: string[] = [];
    for (const [op, body] of Object.entries(condition as Record<string, Record<string, Json>>)) {
      for (const [key, value] of Object.entries(body)) {
        const values = toArray(value)
          .map((v) => this.render(stack, v))
          .sort();
        clauses.push(`${op} ${key}=${values.length === 1 ? values[0] : `[${values.join(', ')}]`}`);
      }
    }
    return clauses.sort().join('; ');
  }

  private name(stack: StackInput, logicalId: string): string {
    const n = stack.names.get(logicalId);
    if (!n) throw new Error(`No construct for logical id ${logicalId}`);
    return n;
  }

  /** Renders a CloudFormation value (string or intrinsic) to its environment-independent form. */
  render(stack: StackInput, value: Json): string {
    if (typeof value === 'string') return this.normalize(value);
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const [fn, arg] = Object.entries(value as Record<string, Json>)[0];
      switch (fn) {
        case 'Ref': {
          const pseudo: Record<string, string> = {
            'AWS::AccountId': '${Account}',
            'AWS::Region': '${Region}',
            'AWS::Partition': '${Partition}',
            'AWS::URLSuffix': '${URLSuffix}',
          };
          const ref = arg as string;
          return pseudo[ref] ?? `\${${this.name(stack, ref)}}`;
        }
        case 'Fn::GetAtt': {
          const [id, attr] = arg as [string, string];
          return `\${${this.name(stack, id)}.${attr}}`;
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, Json[]];
          return parts.map((x) => this.render(stack, x)).join(sep);
        }
        case 'Fn::ImportValue': {
          const exp = this.exports.get(arg as string);
          if (!exp) throw new Error(`Import of unknown export ${String(arg)}`);
          return this.render(exp.stack, exp.value);
        }
        default:
          throw new Error(`Intrinsic ${fn} is not modelled by test/support/policies.ts`);
      }
    }
    throw new Error(`Cannot render ${JSON.stringify(value)}`);
  }

  private normalize(s: string): string {
    return s
      .replace(/^arn:aws:/, 'arn:${Partition}:')
      .replaceAll(`daily-notifications-${this.cfg.name}`, '${Prefix}')
      .replaceAll(this.cfg.account, '${Account}')
      .replace(new RegExp(`(?<![\\w-])${escapeRegExp(this.cfg.region)}(?![\\w-])`, 'g'), '${Region}');
  }
}

function toArray(v: Json): Json[] {
  return Array.isArray(v) ? v : [v];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function grantKey(g: Grant): string {
  return [g.principal, g.effect, g.action, g.resource, g.condition].join(' | ');
}
