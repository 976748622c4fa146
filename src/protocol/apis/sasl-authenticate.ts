/**
 * SaslAuthenticate (36), v0–2: one SASL token from the client, the server's token back (SCRAM's
 * server-first and server-final messages; nothing for PLAIN). A failed authentication is answered
 * with SASL_AUTHENTICATION_FAILED and its reason, then the connection is closed, as Kafka does.
 * sessionLifetimeMs is 0: no re-authentication (KIP-368) is required.
 */

import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { defineApi } from '../api-handler.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../messages/sasl-authenticate.js';

export const saslAuthenticate = defineApi({
  request: SaslAuthenticateRequest,
  response: SaslAuthenticateResponse,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, context) {
    const session = context.security.sasl;
    if (session === null) {
      context.connection.closeAfterResponses?.();
      return { errorCode: KafkaErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SASL is not enabled on this listener', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 };
    }
    const result = await session.authenticate(request.authBytes);
    if (!result.ok) {
      context.connection.closeAfterResponses?.();
      return { errorCode: result.errorCode, errorMessage: result.errorMessage, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 };
    }
    return { errorCode: 0, errorMessage: null, authBytes: result.authBytes, sessionLifetimeMs: 0 };
  },
});
