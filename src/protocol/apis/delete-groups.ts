/**
 * DeleteGroups (42), v0–2: deletes Empty groups with their committed offsets (written as
 * tombstones). A group with members gets NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND; a
 * name listed twice is answered once.
 */

import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { defineApi } from '../api-handler.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../messages/delete-groups.js';
import { mayOnGroup } from '../authorization.js';

export const deleteGroups = defineApi({
  request: DeleteGroupsRequest,
  response: DeleteGroupsResponse,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, context) {
    const allowed = request.groupsNames.filter((groupId) => mayOnGroup(context, 'Delete', groupId));
    const answer = await context.broker.groups.deleteGroups(allowed);
    const denied = request.groupsNames.filter((groupId) => !allowed.includes(groupId)).map((groupId) => ({ groupId, errorCode: KafkaErrorCode.GROUP_AUTHORIZATION_FAILED }));
    return {
      throttleTimeMs: 0,
      results: [...denied, ...answer.results.map((result) => ({ groupId: result.groupId, errorCode: KafkaErrorCode[result.errorCode] }))],
    };
  },
});
