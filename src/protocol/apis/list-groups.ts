/**
 * ListGroups (16), v0–4: every group the coordinator knows, with its protocol type; v4+ may filter
 * by state (case-insensitive) and shows each group's state. (v5's type filter is honoured too,
 * though v5 is not served: every group here is 'classic'.)
 */

import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { defineApi } from '../api-handler.js';
import { ListGroupsRequest, ListGroupsResponse } from '../messages/list-groups.js';
import { mayOnGroup } from '../authorization.js';

export const listGroups = defineApi({
  request: ListGroupsRequest,
  response: ListGroupsResponse,
  minVersion: 0,
  maxVersion: 4,
  async handle(request, context) {
    const { apiVersion } = context;
    const answer = context.broker.groups.listGroups(apiVersion >= 4 ? request.statesFilter : null);
    const types = apiVersion >= 5 && request.typesFilter.length > 0 ? new Set(request.typesFilter.map((type) => type.toLowerCase())) : null;
    const groups = (types === null ? answer.groups : answer.groups.filter((group) => types.has(group.groupType.toLowerCase()))).filter((group) => mayOnGroup(context, 'Describe', group.groupId));
    return {
      throttleTimeMs: 0,
      errorCode: KafkaErrorCode[answer.errorCode],
      groups: groups.map((group) => ({ groupId: group.groupId, protocolType: group.protocolType, groupState: group.groupState, groupType: group.groupType })),
    };
  },
});
