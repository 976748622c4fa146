/**
 * OffsetCommit (8), v2–8: commits a group's consumed positions, durably (the answer comes once
 * they are written). A member of a managed group sends its generation and member id; the admin
 * client and consumers that assign partitions themselves send generation -1 and no member id
 * (accepted while the group is Empty). v0 has neither (handled as -1 and ''); v1 has a
 * per-partition commit timestamp and v2–4 a retention time, both ignored (retention is the
 * broker's); v6+ carries the leader epoch, v7+ the static group instance id. Errors are per
 * partition.
 */

import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { defineApi } from '../api-handler.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../messages/offset-commit.js';
import { mayOnGroup, mayOnTopic } from '../authorization.js';

export const offsetCommit = defineApi({
  request: OffsetCommitRequest,
  response: OffsetCommitResponse,
  minVersion: 2,
  maxVersion: 8,
  async handle(request, context) {
    const { apiVersion } = context;
    const everyPartition = (topics: typeof request.topics, errorCode: number) => topics.map((topic) => ({ name: topic.name, partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode })) }));
    if (!mayOnGroup(context, 'Read', request.groupId)) return { throttleTimeMs: 0, topics: everyPartition(request.topics, KafkaErrorCode.GROUP_AUTHORIZATION_FAILED) };
    const deniedTopics = request.topics.filter((topic) => !mayOnTopic(context, 'Read', topic.name));
    const answer = await context.broker.groups.commitOffsets({
      groupId: request.groupId,
      generationId: apiVersion >= 1 ? request.generationIdOrMemberEpoch : -1,
      memberId: apiVersion >= 1 ? request.memberId : '',
      groupInstanceId: apiVersion >= 7 ? request.groupInstanceId : null,
      topics: request.topics.filter((topic) => !deniedTopics.includes(topic)).map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((partition) => ({
          partitionIndex: partition.partitionIndex,
          committedOffset: partition.committedOffset,
          committedLeaderEpoch: apiVersion >= 6 ? partition.committedLeaderEpoch : -1,
          committedMetadata: partition.committedMetadata,
        })),
      })),
    });
    return {
      throttleTimeMs: 0,
      topics: [
        ...answer.topics.map((topic) => ({
          name: topic.name,
          partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode: KafkaErrorCode[partition.errorCode] })),
        })),
        ...everyPartition(deniedTopics, KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED),
      ],
    };
  },
});
