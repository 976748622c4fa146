/**
 * DeleteGroups (42), v0–2: deletes Empty groups with their committed offsets (written as
 * tombstones). A group with members gets NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND; a
 * name listed twice is answered once.
 */

import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { defineApi } from '../api-handler.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../messages/delete-groups.js';

export const deleteGroups = defineApi({
  request: DeleteGroupsRequest,
  response: DeleteGroupsResponse,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, context) {
    const answer = await context.broker.groups.deleteGroups(request.groupsNames);
    return {
      throttleTimeMs: 0,
      results: answer.results.map((result) => ({ groupId: result.groupId, errorCode: KafkaErrorCode[result.errorCode] })),
    };
  },
});
