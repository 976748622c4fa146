/**
 * LeaveGroup (13), v0–4: members leave a group, which rebalances the others. v0–2 name one member
 * by id and get its error as the only error; v3+ name a batch of members (by member id and/or
 * static group instance id) and get an error per member besides the group's.
 */

import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { defineApi } from '../api-handler.js';
import { LeaveGroupRequest, LeaveGroupResponse } from '../messages/leave-group.js';
import { mayOnGroup } from '../authorization.js';

export const leaveGroup = defineApi({
  request: LeaveGroupRequest,
  response: LeaveGroupResponse,
  minVersion: 0,
  maxVersion: 4,
  async handle(request, context) {
    const { apiVersion } = context;
    if (!mayOnGroup(context, 'Read', request.groupId)) return { throttleTimeMs: 0, errorCode: KafkaErrorCode.GROUP_AUTHORIZATION_FAILED };
    const batch = apiVersion >= 3;
    const answer = context.broker.groups.leaveGroup({
      groupId: request.groupId,
      members: batch
        ? request.members.map((member) => ({ memberId: member.memberId, groupInstanceId: member.groupInstanceId, reason: apiVersion >= 5 ? member.reason : null }))
        : [{ memberId: request.memberId }],
    });
    if (!batch) {
      const errorCode = answer.errorCode !== 'NONE' ? answer.errorCode : (answer.members[0]?.errorCode ?? 'NONE');
      return { throttleTimeMs: 0, errorCode: KafkaErrorCode[errorCode] };
    }
    return {
      throttleTimeMs: 0,
      errorCode: KafkaErrorCode[answer.errorCode],
      members: answer.members.map((member) => ({ memberId: member.memberId, groupInstanceId: member.groupInstanceId, errorCode: KafkaErrorCode[member.errorCode] })),
    };
  },
});
