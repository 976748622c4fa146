/**
 * CreatePartitions (37), v0–3: grows topics to `count` partitions (Kafka never shrinks one), or only
 * checks that it could (validateOnly). Manual assignments, if given, need one entry per new
 * partition, each naming this node alone (a single node keeps one replica). A topic named twice in
 * one request is refused once (INVALID_REQUEST), as Kafka does; __consumer_offsets cannot grow (its
 * partition count places every group's offsets). Errors are per topic; timeoutMs is moot (the
 * change is done when the answer goes out).
 */

import type { BrokerCore } from '../../broker/broker-core.js';
import { BrokerError, toBrokerError } from '../../broker/broker-error.js';
import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { isInternalTopic } from '../../broker/topic-name.js';
import { MAX_PARTITIONS } from '../../broker/topic-registry.js';
import { defineApi } from '../api-handler.js';
import { CreatePartitionsRequest, CreatePartitionsResponse, type CreatePartitionsRequestTopic } from '../messages/create-partitions.js';
import { requireTopic } from '../authorization.js';


/** Throws the BrokerError the request deserves, if any. */
function check(topic: CreatePartitionsRequestTopic, broker: BrokerCore): void {
  const current = broker.topics.get(topic.name).partitions;
  if (isInternalTopic(topic.name)) throw new BrokerError('INVALID_REQUEST', `${topic.name} is an internal topic: its partition count is fixed`);
  if (topic.count > MAX_PARTITIONS) throw new BrokerError('INVALID_PARTITIONS', `a topic may have at most ${MAX_PARTITIONS} partitions, not ${topic.count}`);
  if (topic.count === current) throw new BrokerError('INVALID_PARTITIONS', `topic ${topic.name} already has ${current} partition(s)`);
  if (topic.count < current) throw new BrokerError('INVALID_PARTITIONS', `topic ${topic.name} has ${current} partition(s); ${topic.count} would not be an increase`);
  if (topic.assignments === null) return;
  const added = topic.count - current;
  if (topic.assignments.length !== added) {
    throw new BrokerError('INVALID_REPLICA_ASSIGNMENT', `adding ${added} partition(s) to ${topic.name} needs ${added} assignment(s), got ${topic.assignments.length}`);
  }
  for (const assignment of topic.assignments) {
    const unknown = assignment.brokerIds.find((id) => id !== broker.nodeId);
    if (unknown !== undefined) throw new BrokerError('INVALID_REPLICA_ASSIGNMENT', `the assignment names broker ${unknown}, but only broker ${broker.nodeId} exists`);
    if (assignment.brokerIds.length !== 1) {
      throw new BrokerError('INVALID_REPLICA_ASSIGNMENT', `an assignment with ${assignment.brokerIds.length} replica(s) does not match the topic's replication factor 1`);
    }
  }
}

export const createPartitions = defineApi({
  request: CreatePartitionsRequest,
  response: CreatePartitionsResponse,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, context) {
    const { broker } = context;
    const seen = new Map<string, number>();
    for (const topic of request.topics) seen.set(topic.name, (seen.get(topic.name) ?? 0) + 1);
    const answered = new Set<string>();
    const results = [];
    for (const topic of request.topics) {
      if (answered.has(topic.name)) continue;
      answered.add(topic.name);
      if (seen.get(topic.name)! > 1) {
        results.push({ name: topic.name, errorCode: KafkaErrorCode.INVALID_REQUEST, errorMessage: `topic ${topic.name} is named more than once in the request` });
        continue;
      }
      try {
        requireTopic(context, 'Alter', topic.name);
        check(topic, broker);
        if (!request.validateOnly) await broker.topics.addPartitions(topic.name, topic.count);
        results.push({ name: topic.name, errorCode: 0, errorMessage: null });
      } catch (error) {
        const failure = toBrokerError(error);
        results.push({ name: topic.name, errorCode: failure.errorCode, errorMessage: failure.message });
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
