/**
 * InitProducerId (22), v0–4: a fresh producer id (epoch 0) for an idempotent producer. Ids are
 * reserved durably in blocks, so an id is never handed out twice, even across restarts.
 * Transactional ids are refused: transactions are not supported.
 */

import { toBrokerError } from '../../broker/broker-error.js';
import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { defineApi } from '../api-handler.js';
import { InitProducerIdRequest, InitProducerIdResponse } from '../messages/init-producer-id.js';

export const initProducerId = defineApi({
  request: InitProducerIdRequest,
  response: InitProducerIdResponse,
  minVersion: 0,
  maxVersion: 4,
  async handle(request, context) {
    if (request.transactionalId !== null) return { throttleTimeMs: 0, errorCode: KafkaErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
    try {
      const { producerId, producerEpoch } = await context.broker.initProducerId();
      return { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch };
    } catch (error) {
      return { throttleTimeMs: 0, errorCode: toBrokerError(error).errorCode, producerId: -1, producerEpoch: -1 };
    }
  },
});
