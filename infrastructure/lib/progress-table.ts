import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { PARTITION_KEY, PROGRESS_TABLE, TTL_ATTRIBUTE } from '../../lambda/src/state/table';

const ATTRIBUTE_TYPES: Record<(typeof PROGRESS_TABLE)['partitionKey']['type'], dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
};

/**
 * Every request DynamoProgressStore sends (lambda/src/state/dynamo-progress-store.ts: GetItemCommand,
 * PutItemCommand, DeleteItemCommand). The function is granted these and nothing else: no Scan, Query,
 * UpdateItem, batch operations or table management. Add an action here when the store starts using it.
 */
export const PROGRESS_STORE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'];

/**
 * The progress table, shaped by lambda/src/state/table.ts (the same definition `npm run db:init` uses):
 * one item per user keyed by a hash of the Alexa user id, expiring through TTL.
 */
export function createProgressTable(scope: Construct, id: string): dynamodb.Table {
  return new dynamodb.Table(scope, id, {
    partitionKey: { name: PARTITION_KEY, type: ATTRIBUTE_TYPES[PROGRESS_TABLE.partitionKey.type] },
    // On demand: a household makes a few hundred requests a month, far below one provisioned unit's price.
    billingMode: dynamodb.BillingMode[PROGRESS_TABLE.billingMode],
    timeToLiveAttribute: TTL_ATTRIBUTE,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    // The AWS managed key (aws/dynamodb) rather than a customer managed one: the items hold a hash of the
    // user id and troubleshooting progress, no tokens or names of people; the managed key gives KMS
    // encryption with every use logged in CloudTrail, at no monthly key charge, and needs no key policy or
    // kms:* grant for the function. A customer managed key ($1/month) would only add key-policy control
    // (cross-account access, disabling the key to shred the data), which a single-household table doesn't need.
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    // Users' places in the troubleshooting must survive a mistaken `cdk destroy` or a stack replacement.
    // No fixed table name, so a retained table never blocks a fresh deploy.
    removalPolicy: RemovalPolicy.RETAIN,
    // And a mistaken DeleteTable, from the console, the CLI or any principal allowed to delete tables:
    // DynamoDB refuses it while protection is on. Retain covers only CloudFormation's own deletes (a stack
    // delete or a replacement leaves the table behind); protection covers everyone else, CloudFormation too
    // should the policy ever change. Deleting the table on purpose means turning protection off first.
    deletionProtection: true,
  });
}

/** Lets `grantee` make exactly the store's item requests on `table`. */
export function grantProgressStoreAccess(table: dynamodb.ITable, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: PROGRESS_STORE_ACTIONS,
    resourceArns: [table.tableArn],
  });
}
