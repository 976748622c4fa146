/**
 * Heartbeat (12), v0–4: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
 * v3+ carries the static group instance id.
 */

import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { defineApi } from '../api-handler.js';
import { HeartbeatRequest, HeartbeatResponse } from '../messages/heartbeat.js';
import { mayOnGroup } from '../authorization.js';

export const heartbeat = defineApi({
  request: HeartbeatRequest,
  response: HeartbeatResponse,
  minVersion: 0,
  maxVersion: 4,
  async handle(request, context) {
    if (!mayOnGroup(context, 'Read', request.groupId)) return { throttleTimeMs: 0, errorCode: KafkaErrorCode.GROUP_AUTHORIZATION_FAILED };
    const answer = context.broker.groups.heartbeat({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: context.apiVersion >= 3 ? request.groupInstanceId : null,
    });
    return { throttleTimeMs: 0, errorCode: KafkaErrorCode[answer.errorCode] };
  },
});
