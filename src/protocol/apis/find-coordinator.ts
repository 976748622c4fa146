/**
 * FindCoordinator (10), v0–4: this node coordinates every consumer group (a single node). v4 asks
 * for several keys at once. Transaction coordinators (key type 1) are not offered: no transactions.
 */

import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { defineApi } from '../api-handler.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../messages/find-coordinator.js';
import { mayOnGroup } from '../authorization.js';

const GROUP_KEY_TYPE = 0;

export const findCoordinator = defineApi({
  request: FindCoordinatorRequest,
  response: FindCoordinatorResponse,
  minVersion: 0,
  maxVersion: 4,
  async handle(request, context) {
    const { broker, advertised, apiVersion } = context;
    const answer = (key: string) =>
      request.keyType === GROUP_KEY_TYPE && !mayOnGroup(context, 'Describe', key)
        ? { key, nodeId: -1, host: '', port: -1, errorCode: KafkaErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null }
        : request.keyType === GROUP_KEY_TYPE
        ? { key, nodeId: broker.nodeId, host: advertised.host, port: advertised.port, errorCode: 0, errorMessage: null }
        : { key, nodeId: -1, host: '', port: -1, errorCode: KafkaErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'transactions are not supported' };
    if (apiVersion >= 4) return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map(answer) };
    const { key: _key, ...single } = answer(request.key);
    return { throttleTimeMs: 0, ...single };
  },
});
