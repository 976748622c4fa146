/**
 * DescribeGroups (15), v0–5: each group's state, protocol and members (with their metadata while
 * the group is Stable, and assignments). A group the coordinator does not know is described as
 * Dead with no error, as Kafka does. v3+ may ask for the authorized operations: with no
 * authorizer, every operation a group supports (READ, DELETE, DESCRIBE); v4+ shows static members'
 * group instance ids.
 */

import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { defineApi } from '../api-handler.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../messages/describe-groups.js';
import { mayOnGroup } from '../authorization.js';

/** Kafka's AclOperation codes as a bit field: READ (3), DELETE (6), DESCRIBE (8). */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);
/** Kafka's "not requested" value for authorizedOperations. */
const OPERATIONS_NOT_REQUESTED = -2147483648;

export const describeGroups = defineApi({
  request: DescribeGroupsRequest,
  response: DescribeGroupsResponse,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, context) {
    const operations = context.apiVersion >= 3 && request.includeAuthorizedOperations ? GROUP_OPERATIONS : OPERATIONS_NOT_REQUESTED;
    const allowed = request.groups.filter((groupId) => mayOnGroup(context, 'Describe', groupId));
    const answer = context.broker.groups.describeGroups(allowed);
    const denied = request.groups.filter((groupId) => !allowed.includes(groupId)).map((groupId) => ({ errorCode: KafkaErrorCode.GROUP_AUTHORIZATION_FAILED, groupId, authorizedOperations: OPERATIONS_NOT_REQUESTED }));
    return {
      throttleTimeMs: 0,
      groups: [...denied, ...answer.groups.map((group) => ({
        errorCode: KafkaErrorCode[group.errorCode],
        groupId: group.groupId,
        groupState: group.groupState,
        protocolType: group.protocolType,
        protocolData: group.protocolData,
        members: group.members.map((member) => ({
          memberId: member.memberId,
          groupInstanceId: member.groupInstanceId,
          clientId: member.clientId,
          clientHost: member.clientHost,
          memberMetadata: member.memberMetadata,
          memberAssignment: member.memberAssignment,
        })),
        authorizedOperations: group.errorCode === 'NONE' ? operations : OPERATIONS_NOT_REQUESTED,
      }))],
    };
  },
});
