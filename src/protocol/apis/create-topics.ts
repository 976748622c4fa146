/**
 * CreateTopics (19), v2–7: creates each topic with its partitions and config overrides (Kafka
 * names and text values), or only checks them (validateOnly). A single node: replication factor
 * must be -1 (default) or 1, and manual replica assignments may only name this node.
 */

import { toBrokerError } from '../../broker/broker-error.js';
import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { parseConfigMap } from '../../broker/config-values.js';
import { checkTopicName } from '../../broker/topic-name.js';
import { defineApi, type RequestContext } from '../api-handler.js';
import { CreateTopicsRequest, CreateTopicsResponse, type CreateTopicsRequestCreatableTopic } from '../messages/create-topics.js';
import { requireTopic } from '../authorization.js';

async function createOne(topic: CreateTopicsRequestCreatableTopic, validateOnly: boolean, context: RequestContext) {
  const { broker } = context;
  const result = { name: topic.name, errorMessage: null as string | null, numPartitions: -1, replicationFactor: -1, configs: null };
  if (topic.replicationFactor !== -1 && topic.replicationFactor !== 1) {
    return { ...result, errorCode: KafkaErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: `a single node keeps 1 replica; replication factor ${topic.replicationFactor} is impossible` };
  }
  if (topic.assignments.some((assignment) => assignment.brokerIds.some((id) => id !== broker.nodeId))) {
    return { ...result, errorCode: KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `only broker ${broker.nodeId} exists` };
  }
  try {
    requireTopic(context, 'Create', topic.name);
    const partitions = topic.assignments.length > 0 ? topic.assignments.length : topic.numPartitions === -1 ? undefined : topic.numPartitions;
    const config = Object.fromEntries(topic.configs.filter((entry) => entry.value !== null).map((entry) => [entry.name, entry.value!]));
    if (validateOnly) {
      checkTopicName(topic.name);
      parseConfigMap(config, 'topic');
      if (broker.topics.has(topic.name)) return { ...result, errorCode: KafkaErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `topic ${topic.name} already exists` };
      return { ...result, errorCode: 0, numPartitions: partitions ?? -1, replicationFactor: 1 };
    }
    const created = await broker.topics.create(topic.name, { ...(partitions === undefined ? {} : { partitions }), config });
    return { ...result, topicId: created.id, errorCode: 0, numPartitions: created.partitions, replicationFactor: 1 };
  } catch (error) {
    const failure = toBrokerError(error);
    return { ...result, errorCode: failure.errorCode, errorMessage: failure.message };
  }
}

export const createTopics = defineApi({
  request: CreateTopicsRequest,
  response: CreateTopicsResponse,
  minVersion: 2,
  maxVersion: 7,
  async handle(request, context) {
    const topics = [];
    for (const topic of request.topics) topics.push(await createOne(topic, request.validateOnly, context));
    return { throttleTimeMs: 0, topics };
  },
});
