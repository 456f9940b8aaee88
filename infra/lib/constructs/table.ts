import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { Concern } from './concern';

export interface NotificationsTableProps {
  /** Physical name: the monitoring stack addresses the table's metrics by it. */
  readonly tableName: string;
  readonly key: kms.IKey;
  readonly deletionProtection: boolean;
  readonly removalPolicy: RemovalPolicy;
}

/** The table's one global secondary index: inbox records by read state (docs/DATA_MODEL.md). */
export const STATE_INDEX = 'state';

/**
 * The single table (docs/DATA_MODEL.md): `pk`/`sk` strings, on-demand, CMK-encrypted, PITR, TTL on
 * `expiresAt`, and the sparse index `state` (partition key `statePk`, sort key `sk`, every
 * attribute projected) that lists a user's records by read state. One index only: CloudFormation
 * creates at most one global secondary index per table update. Outputs: `table`, `tableName`;
 * `access` builds a grant limited by partition key.
 */
export class NotificationsTable extends Concern {
  readonly table: dynamodb.Table;
  readonly tableName: string;
  /** The global secondary indexes, for their own throttle alarms. */
  readonly indexNames: readonly string[] = [STATE_INDEX];

  constructor(scope: Construct, id: string, props: NotificationsTableProps) {
    super(scope, id);
    this.tableName = props.tableName;
    this.table = new dynamodb.Table(this, 'Default', {
      tableName: props.tableName,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: STATE_INDEX,
      partitionKey: { name: 'statePk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  /**
   * `actions` on items whose partition key matches one of `keyPatterns` (dynamodb:LeadingKeys,
   * e.g. `USER#*`, or an exact key), on the table and, when `onStateIndex`, on the `state` index.
   */
  access(actions: string[], keyPatterns: string[], onStateIndex = false): iam.PolicyStatement {
    const resources = [this.table.tableArn];
    if (onStateIndex) resources.push(`${this.table.tableArn}/index/${STATE_INDEX}`);
    return new iam.PolicyStatement({
      actions,
      resources,
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': keyPatterns } },
    });
  }
}
