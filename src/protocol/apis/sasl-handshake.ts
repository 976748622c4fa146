/**
 * SaslHandshake (17), v0–1: the client names its SASL mechanism; the answer lists the enabled
 * ones (UNSUPPORTED_SASL_MECHANISM when the choice is not among them, ILLEGAL_SASL_STATE when it
 * comes twice or after authentication). After v1 the tokens follow in SaslAuthenticate requests;
 * after v0 as raw frames (../dispatcher.ts hands them to the session). With SASL off the answer
 * is UNSUPPORTED_SASL_MECHANISM with no mechanisms, as from a Kafka listener without SASL.
 */

import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { defineApi } from '../api-handler.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../messages/sasl-handshake.js';

export const saslHandshake = defineApi({
  request: SaslHandshakeRequest,
  response: SaslHandshakeResponse,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, context) {
    const session = context.security.sasl;
    if (session === null) return { errorCode: KafkaErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: [] };
    const result = session.handshake(request.mechanism, context.apiVersion);
    if (result.errorCode !== 0) context.connection.closeAfterResponses?.();
    return result;
  },
});
