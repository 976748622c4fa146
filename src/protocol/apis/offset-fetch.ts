/**
 * OffsetFetch (9), v1–8: a group's committed offsets (-1 where none), for the named partitions or,
 * with null topics (v2+), every partition the group has committed. v0–7 ask about one group; v8
 * asks about a batch (`groups`) and gets an answer per group. A group-level error travels in the
 * top-level error code from v2 (per group in v8); v0–1 have none, so it goes into every partition
 * asked about. requireStable (v7+) needs nothing: without transactions every offset is stable.
 */

import type { OffsetFetchResponse as GroupOffsets } from '../../broker/groups/group-api.js';
import { KafkaErrorCode, type KafkaErrorName } from '../../broker/kafka-error-codes.js';
import { defineApi, type RequestContext } from '../api-handler.js';
import { OffsetFetchRequest, OffsetFetchResponse } from '../messages/offset-fetch.js';
import { mayOnGroup, mayOnTopic } from '../authorization.js';

interface TopicsAsked {
  name: string;
  partitionIndexes: number[];
}

/** One group's offsets, as the coordinator answers them (topics null: all). */
function fetchGroup(groupId: string, topics: readonly TopicsAsked[] | null, context: RequestContext): GroupOffsets {
  if (!mayOnGroup(context, 'Describe', groupId)) return { errorCode: 'GROUP_AUTHORIZATION_FAILED', topics: [] };
  const answer = context.broker.groups.fetchOffsets({
    groupId,
    partitions: topics === null ? null : topics.flatMap((topic) => topic.partitionIndexes.map((partition) => ({ topic: topic.name, partition }))),
  });
  // Topics the principal may not Describe: left out of "all topics", refused per partition when named (as Kafka).
  const visible = answer.topics.filter((topic) => topics !== null || mayOnTopic(context, 'Describe', topic.name));
  return {
    ...answer,
    topics: visible.map((topic) =>
      mayOnTopic(context, 'Describe', topic.name) ? topic : { name: topic.name, partitions: topic.partitions.map((partition) => ({ ...partition, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 'TOPIC_AUTHORIZATION_FAILED' as const })) },
    ),
  };
}

function topicsOut(answer: GroupOffsets) {
  return answer.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((partition) => ({
      partitionIndex: partition.partitionIndex,
      committedOffset: partition.committedOffset,
      committedLeaderEpoch: partition.committedLeaderEpoch,
      metadata: partition.metadata,
      errorCode: KafkaErrorCode[partition.errorCode],
    })),
  }));
}

/** v0–1 cannot carry a group-level error: every partition asked about gets it instead. */
function errorInEveryPartition(topics: readonly TopicsAsked[], errorCode: KafkaErrorName) {
  return topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: KafkaErrorCode[errorCode] })),
  }));
}

export const offsetFetch = defineApi({
  request: OffsetFetchRequest,
  response: OffsetFetchResponse,
  minVersion: 1,
  maxVersion: 8,
  async handle(request, context) {
    const { apiVersion } = context;
    if (apiVersion >= 8) {
      const groups = request.groups.map((group) => {
        const answer = fetchGroup(group.groupId, group.topics, context);
        return { groupId: group.groupId, topics: topicsOut(answer), errorCode: KafkaErrorCode[answer.errorCode] };
      });
      return { throttleTimeMs: 0, groups };
    }
    // Null topics (all offsets) exist from v2; older versions always name their partitions.
    const answer = fetchGroup(request.groupId, request.topics, context);
    if (apiVersion < 2 && answer.errorCode !== 'NONE') return { throttleTimeMs: 0, topics: errorInEveryPartition(request.topics ?? [], answer.errorCode) };
    return { throttleTimeMs: 0, topics: topicsOut(answer), errorCode: KafkaErrorCode[answer.errorCode] };
  },
});
