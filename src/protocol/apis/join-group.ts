/**
 * JoinGroup (11), v0–6: a member joins (or rejoins) a consumer group through the broker's group
 * coordinator, which parks the request until the generation forms. v0 has no rebalance timeout
 * (the session timeout is used); v4+ requires a known member id (KIP-394: a new member first gets
 * MEMBER_ID_REQUIRED with its id, then rejoins); v5+ carries the static group instance id. The
 * protocol name cannot be null before v7, so an error answer sends ''.
 */

import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { defineApi, type RequestContext } from '../api-handler.js';
import { JoinGroupRequest, JoinGroupResponse } from '../messages/join-group.js';
import { mayOnGroup } from '../authorization.js';

/** The client's host as Kafka shows it in DescribeGroups (InetAddress.toString: "/127.0.0.1"). */
function clientHostOf(context: RequestContext): string {
  return `/${context.connection.remoteAddress}`;
}

export const joinGroup = defineApi({
  request: JoinGroupRequest,
  response: JoinGroupResponse,
  minVersion: 0,
  maxVersion: 6,
  async handle(request, context) {
    const { apiVersion } = context;
    if (!mayOnGroup(context, 'Read', request.groupId)) return { throttleTimeMs: 0, errorCode: KafkaErrorCode.GROUP_AUTHORIZATION_FAILED, generationId: -1, memberId: request.memberId };
    const answer = await context.broker.groups.joinGroup({
      groupId: request.groupId,
      sessionTimeoutMs: request.sessionTimeoutMs,
      ...(apiVersion >= 1 ? { rebalanceTimeoutMs: request.rebalanceTimeoutMs } : {}),
      memberId: request.memberId,
      groupInstanceId: apiVersion >= 5 ? request.groupInstanceId : null,
      protocolType: request.protocolType,
      protocols: request.protocols.map((protocol) => ({ name: protocol.name, metadata: protocol.metadata })),
      reason: request.reason,
      requireKnownMemberId: apiVersion >= 4,
      clientId: context.clientId ?? '',
      clientHost: clientHostOf(context),
    });
    return {
      throttleTimeMs: 0,
      errorCode: KafkaErrorCode[answer.errorCode],
      generationId: answer.generationId,
      protocolType: answer.protocolType,
      protocolName: answer.protocolName ?? (apiVersion >= 7 ? null : ''),
      leader: answer.leader,
      skipAssignment: answer.skipAssignment,
      memberId: answer.memberId,
      members: answer.members.map((member) => ({ memberId: member.memberId, groupInstanceId: member.groupInstanceId, metadata: member.metadata })),
    };
  },
});
