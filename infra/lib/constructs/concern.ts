/**
 * The constructs in this folder each hold one concern (a function with its role and logs, a queue
 * with its DLQ, the table, the schedule, the API, a bucket, the database). They were carved out of
 * stacks that created every resource side by side, and a deployed resource whose CloudFormation
 * logical id changes is replaced (a table or a bucket with its data). So a concern's children keep
 * the logical ids they had as siblings: child `Role` of concern `FindDaily` is allocated as
 * `FindDailyRole` and the child `Default` as `FindDaily` itself. `AppStack` applies the rule; a new
 * concern gets ids by the same rule and needs nothing else.
 */
import { Names, Stack, type CfnElement, type StackProps } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';

const CONCERN = Symbol.for('daily-notifications.Concern');

export abstract class Concern extends Construct {
  static isConcern(x: IConstruct): x is Concern {
    return (x as unknown as Record<symbol, unknown>)[CONCERN] === true;
  }

  constructor(scope: Construct, id: string) {
    super(scope, id);
    Object.defineProperty(this, CONCERN, { value: true });
  }

  /**
   * The logical-id component of child `childId`, given this concern's own component. Overridden
   * only where a resource kept an older name (see DailySchedule).
   */
  childComponent(own: string, childId: string): string {
    return childId === 'Default' ? own : `${own}${childId}`;
  }
}

/** Path components of `c` below its stack, each concern folded into its children (see Concern). */
export function logicalPath(c: IConstruct): string[] {
  const scopes = c.node.scopes;
  const below = scopes.slice(scopes.indexOf(Stack.of(c)) + 1);
  const out: string[] = [];
  below.forEach((scope, i) => {
    const parent = i > 0 ? below[i - 1] : undefined;
    if (parent && Concern.isConcern(parent)) out.push(parent.childComponent(out.pop()!, scope.node.id));
    else out.push(scope.node.id);
  });
  return out;
}

/** CDK's own logical id of a construct at `components` below a stack. */
function uniqueIdOf(components: string[]): string {
  let node = new Construct(undefined as unknown as Construct, '');
  for (const id of components) node = new Construct(node, id);
  return Names.nodeUniqueId(node.node);
}

/** Every stack of the app: allocates logical ids by the concern rule, and refuses a duplicate. */
export class AppStack extends Stack {
  private readonly owners = new Map<string, string>();

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
  }

  protected override allocateLogicalId(element: CfnElement): string {
    const components = logicalPath(element);
    const plain = element.node.scopes.slice(element.node.scopes.indexOf(this) + 1).map((s) => s.node.id);
    const id =
      components.join('/') === plain.join('/') ? super.allocateLogicalId(element) : uniqueIdOf(components);
    const owner = this.owners.get(id);
    if (owner !== undefined && owner !== element.node.path) {
      throw new Error(`${element.node.path} and ${owner} would share the logical id ${id}`);
    }
    this.owners.set(id, element.node.path);
    return id;
  }
}
