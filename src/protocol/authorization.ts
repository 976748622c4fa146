/**
 * The ACL checks API handlers make, with the errors Kafka answers: a topic operation refused is
 * TOPIC_AUTHORIZATION_FAILED (per topic or partition), a group operation GROUP_AUTHORIZATION_FAILED.
 * Which operation each API needs follows Kafka's KafkaApis: Produce Write, Fetch Read, ListOffsets
 * and Metadata Describe (auto-creation also Create), CreateTopics Create, DeleteTopics Delete,
 * CreatePartitions Alter, DescribeConfigs DescribeConfigs; JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup and OffsetCommit Read on the group (OffsetCommit also Read on each topic),
 * OffsetFetch and FindCoordinator Describe, DescribeGroups Describe, DeleteGroups Delete, and
 * ListGroups lists only groups the principal may Describe.
 */

import { BrokerError } from '../broker/broker-error.js';
import type { AclOperation } from '../security/acl-store.js';
import type { RequestContext } from './api-handler.js';

export function mayOnTopic(context: RequestContext, operation: AclOperation, topic: string): boolean {
  return context.security.authorize(operation, 'Topic', topic);
}

export function mayOnGroup(context: RequestContext, operation: AclOperation, group: string): boolean {
  return context.security.authorize(operation, 'Group', group);
}

/** Throws TOPIC_AUTHORIZATION_FAILED unless allowed (for handlers that turn BrokerErrors into codes). */
export function requireTopic(context: RequestContext, operation: AclOperation, topic: string): void {
  if (!mayOnTopic(context, operation, topic)) throw new BrokerError('TOPIC_AUTHORIZATION_FAILED', `${context.security.principal} may not ${operation} topic ${topic}`);
}
