/**
 * Metadata (3), v0–9: this node as the only broker (the advertised host:port), the cluster id, and
 * every requested topic with its partitions, this node leading each. Missing topics are created
 * when the request allows it (v4+) and auto.create.topics.enable is on. Advertised up to v9: v10+
 * carries topic ids, which Fetch would then have to honour too.
 */

import { BrokerError } from '../../broker/broker-error.js';
import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { isInternalTopic } from '../../broker/topic-name.js';
import { defineApi, type RequestContext } from '../api-handler.js';
import { MetadataRequest, MetadataResponse, type MetadataResponseTopic } from '../messages/metadata.js';
import type { MessageInput } from '../wire/schema.js';
import { mayOnTopic } from '../authorization.js';

async function describeTopic(name: string, autoCreate: boolean, context: RequestContext): Promise<MessageInput<MetadataResponseTopic>> {
  const { broker } = context;
  if (!mayOnTopic(context, 'Describe', name)) return { errorCode: KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED, name, partitions: [] };
  try {
    if (!broker.topics.has(name)) {
      if (!autoCreate) return { errorCode: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: [] };
      if (!mayOnTopic(context, 'Create', name)) return { errorCode: KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED, name, partitions: [] };
      await broker.ensureTopic(name);
    }
  } catch (error) {
    const code = error instanceof BrokerError ? error.errorCode : KafkaErrorCode.UNKNOWN_SERVER_ERROR;
    return { errorCode: code, name, partitions: [] };
  }
  const topic = broker.topics.get(name);
  return {
    errorCode: 0,
    name,
    topicId: topic.id,
    isInternal: isInternalTopic(name),
    partitions: Array.from({ length: topic.partitions }, (_, partitionIndex) => ({
      errorCode: 0,
      partitionIndex,
      leaderId: broker.nodeId,
      leaderEpoch: 0,
      replicaNodes: [broker.nodeId],
      isrNodes: [broker.nodeId],
      offlineReplicas: [],
    })),
  };
}

export const metadata = defineApi({
  request: MetadataRequest,
  response: MetadataResponse,
  minVersion: 0,
  maxVersion: 9,
  async handle(request, context) {
    const { broker, apiVersion } = context;
    // v0: an empty list means every topic; v1+: null means every topic.
    const everyTopic = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
    // Asked for every topic, a client sees only those it may Describe (as in Kafka).
    const names = everyTopic ? broker.topics.list().map((topic) => topic.name).filter((name) => mayOnTopic(context, 'Describe', name)) : request.topics!.map((topic) => topic.name ?? '');
    const autoCreate = !everyTopic && (apiVersion < 4 || request.allowAutoTopicCreation);
    const topics = [];
    for (const name of names) topics.push(await describeTopic(name, autoCreate, context));
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: broker.nodeId, host: context.advertised.host, port: context.advertised.port, rack: null }],
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
      topics,
    };
  },
});
