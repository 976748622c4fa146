/**
 * DeleteTopics (20), v1–6: deletes topics by name (v6: by name or id). Crash-safe in the broker:
 * the topic leaves the metadata first, its partitions are removed after.
 */

import { toBrokerError } from '../../broker/broker-error.js';
import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { defineApi } from '../api-handler.js';
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../messages/delete-topics.js';
import { ZERO_UUID } from '../wire/schema.js';
import { requireTopic } from '../authorization.js';

export const deleteTopics = defineApi({
  request: DeleteTopicsRequest,
  response: DeleteTopicsResponse,
  minVersion: 1,
  maxVersion: 6,
  async handle(request, context) {
    const { broker, apiVersion } = context;
    const byId = new Map(broker.topics.list().map((topic) => [topic.id, topic.name]));
    const targets = apiVersion >= 6 ? request.topics.map((topic) => ({ name: topic.name ?? byId.get(topic.topicId) ?? null, topicId: topic.topicId })) : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses = [];
    for (const target of targets) {
      if (target.name === null) {
        responses.push({ name: null, topicId: target.topicId, errorCode: KafkaErrorCode.UNKNOWN_TOPIC_ID, errorMessage: `no topic has id ${target.topicId}` });
        continue;
      }
      const topicId = broker.topics.has(target.name) ? broker.topics.get(target.name).id : target.topicId;
      try {
        requireTopic(context, 'Delete', target.name);
        await broker.topics.delete(target.name);
        responses.push({ name: target.name, topicId, errorCode: 0, errorMessage: null });
      } catch (error) {
        const failure = toBrokerError(error);
        responses.push({ name: target.name, topicId, errorCode: failure.errorCode, errorMessage: failure.message });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
