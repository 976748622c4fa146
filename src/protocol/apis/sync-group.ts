/**
 * SyncGroup (14), v0–4: after JoinGroup, the leader sends every member's assignment and followers
 * wait for theirs (the coordinator parks them until the leader's arrives). v3+ carries the static
 * group instance id. (The v5 protocol type/name checks are passed through, though v5 is not served.)
 */

import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { defineApi } from '../api-handler.js';
import { SyncGroupRequest, SyncGroupResponse } from '../messages/sync-group.js';
import { mayOnGroup } from '../authorization.js';

export const syncGroup = defineApi({
  request: SyncGroupRequest,
  response: SyncGroupResponse,
  minVersion: 0,
  maxVersion: 4,
  async handle(request, context) {
    const { apiVersion } = context;
    if (!mayOnGroup(context, 'Read', request.groupId)) return { throttleTimeMs: 0, errorCode: KafkaErrorCode.GROUP_AUTHORIZATION_FAILED };
    const answer = await context.broker.groups.syncGroup({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: apiVersion >= 3 ? request.groupInstanceId : null,
      protocolType: apiVersion >= 5 ? request.protocolType : null,
      protocolName: apiVersion >= 5 ? request.protocolName : null,
      assignments: request.assignments.map((entry) => ({ memberId: entry.memberId, assignment: entry.assignment })),
    });
    return {
      throttleTimeMs: 0,
      errorCode: KafkaErrorCode[answer.errorCode],
      protocolType: answer.protocolType,
      protocolName: answer.protocolName,
      assignment: answer.assignment,
    };
  },
});
