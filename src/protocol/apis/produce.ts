/**
 * Produce (0), v3–9: each partition's records (exactly one record batch, stored as sent) go through
 * the broker: acks 0 (no response at all), 1 (written), -1 (fsynced, group commit). Errors are per
 * partition; the batch's base offset, log append time and log start offset come back.
 *
 * v0–2 are advertised but refused per partition with UNSUPPORTED_VERSION (their message formats
 * v0/v1 are not stored here): librdkafka (2.0) sends gzip and lz4 batches uncompressed to a broker
 * whose Produce versions start above 0 (its issue #4956), and it uses v3+ whenever it can.
 */

import { toBrokerError } from '../../broker/broker-error.js';
import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import type { Acks } from '../../broker/broker-core.js';
import { defineApi } from '../api-handler.js';
import { ProduceRequest, ProduceResponse } from '../messages/produce.js';
import { mayOnTopic, requireTopic } from '../authorization.js';

/** Produce v3 is the first whose records are record batches (magic 2). */
const FIRST_RECORD_BATCH_VERSION = 3;

export const produce = defineApi({
  request: ProduceRequest,
  response: ProduceResponse,
  minVersion: 0,
  maxVersion: 9,
  async handle(request, context) {
    const { broker } = context;
    const acks = request.acks as Acks;
    const validAcks = acks === 0 || acks === 1 || acks === -1;
    const responses = await Promise.all(
      request.topicData.map(async (topic) => ({
        name: topic.name,
        partitionResponses: await Promise.all(
          topic.partitionData.map(async (partition) => {
            const base = { index: partition.index, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
            if (!mayOnTopic(context, 'Write', topic.name)) return { ...base, errorCode: KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED };
            if (context.apiVersion < FIRST_RECORD_BATCH_VERSION) return { ...base, errorCode: KafkaErrorCode.UNSUPPORTED_VERSION, errorMessage: 'message format v0/v1 is not supported: use Produce v3 or later (record batches)' };
            if (!validAcks) return { ...base, errorCode: KafkaErrorCode.INVALID_REQUIRED_ACKS };
            if (request.transactionalId !== null) return { ...base, errorCode: KafkaErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, errorMessage: 'transactions are not supported' };
            if (partition.records === null || partition.records.length === 0) return { ...base, errorCode: KafkaErrorCode.INVALID_RECORD, errorMessage: 'no records' };
            try {
              if (!broker.topics.has(topic.name)) {
                requireTopic(context, 'Create', topic.name);
                await broker.ensureTopic(topic.name);
              }
              const result = await broker.produce(topic.name, partition.index, partition.records, acks);
              const logAppendTime = broker.topics.configValue(topic.name, 'message.timestamp.type') === 'LogAppendTime';
              return { ...base, errorCode: 0, baseOffset: result.baseOffset, logAppendTimeMs: logAppendTime ? result.appendTimeMs : -1, logStartOffset: result.logStartOffset };
            } catch (error) {
              const failure = toBrokerError(error);
              return { ...base, errorCode: failure.errorCode, errorMessage: failure.message };
            }
          }),
        ),
      })),
    );
    const throttleTimeMs = context.security.throttle('produce', request.topicData.reduce((sum, topic) => sum + topic.partitionData.reduce((bytes, partition) => bytes + (partition.records?.length ?? 0), 0), 0));
    return acks === 0 ? null : { responses, throttleTimeMs };
  },
});
