/**
 * Turns request frames into response frames: reads the API key and version, refuses what is not
 * served (an unsupported ApiVersions version gets Kafka's v0 reply with UNSUPPORTED_VERSION and the
 * list of APIs, so a client can pick a version), decodes the request with its schema, runs the
 * handler, and encodes the response with the right header version. A request that cannot be
 * decoded, or names an API or version not served, closes the connection (as Kafka does) with a
 * log line naming the client.
 */

import type { BrokerCore } from '../broker/broker-core.js';
import { KafkaErrorCode } from '../broker/kafka-error-codes.js';
import type { ApiHandler } from './api-handler.js';
import type { RequestObserver } from './request-observer.js';
import type { ConnectionInfo, FrameHandler, ServerLog } from './server.js';
import { ApiVersionsResponse } from './messages/api-versions.js';
import { decodeRequest, encodeResponse, writeResponse } from './wire/headers.js';
import type { SaslSession } from './sasl-session.js';
import { ServerSecurity } from './security.js';

const API_VERSIONS_KEY = 18;
/** apiKey int16, apiVersion int16, correlationId int32: the first 8 bytes of every request header. */
const FIXED_HEADER_BYTES = 8;

export interface DispatcherOptions {
  broker: BrokerCore;
  apis: readonly ApiHandler[];
  advertised: { host: string; port: number };
  log: ServerLog;
  /** SASL, ACLs and quotas (./security.ts); everything allowed when absent. */
  security?: ServerSecurity;
  /** Metrics and logs per request (src/observability). */
  observer?: RequestObserver;
}

export class ProtocolRequestError extends Error {
  override readonly name = 'ProtocolRequestError';
}

export function createDispatcher(options: DispatcherOptions): FrameHandler {
  const byKey = new Map(options.apis.map((api) => [api.request.apiKey as number, api]));
  const security = options.security ?? new ServerSecurity();
  return async (frame: Buffer, connection: ConnectionInfo) => {
    const rawSasl = security.rawSaslSession(connection);
    if (rawSasl !== null) return rawSaslToken(rawSasl, frame, connection);
    if (frame.length < FIXED_HEADER_BYTES) throw new ProtocolRequestError(`request of ${frame.length} bytes is shorter than a request header`);
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    if (!security.admits(apiKey, connection)) throw new ProtocolRequestError(`API key ${apiKey} sent before SASL authentication`);
    const api = byKey.get(apiKey);
    if (api === undefined) throw new ProtocolRequestError(`unsupported API key ${apiKey}`);
    if (apiVersion < api.minVersion || apiVersion > api.maxVersion) {
      if (apiKey === API_VERSIONS_KEY) return unsupportedApiVersions(correlationId, options.apis);
      throw new ProtocolRequestError(`unsupported version ${apiVersion} of API ${api.request.name} (served: ${api.minVersion}–${api.maxVersion})`);
    }
    const startNs = options.observer === undefined ? 0n : process.hrtime.bigint();
    const { header, body } = decodeRequest(api.request, frame);
    const context = { broker: options.broker, apiVersion, clientId: header.clientId, connection, advertised: options.advertised, apis: options.apis, security: security.forRequest(connection, header.clientId) };
    const response = await api.handle(body, context);
    options.observer?.onResponse(api.request.name, startNs, response, header.clientId, connection);
    if (response === null) return null;
    return writeResponse(api.response, apiVersion, correlationId, response).toChunks();
  };
}

/** Kafka's answer to an ApiVersions version it does not know: v0 format, error 35, every API. */
function unsupportedApiVersions(correlationId: number, apis: readonly ApiHandler[]): Buffer {
  return encodeResponse(ApiVersionsResponse, 0, correlationId, {
    errorCode: KafkaErrorCode.UNSUPPORTED_VERSION,
    apiKeys: apis.map((api) => ({ apiKey: api.request.apiKey as number, minVersion: api.minVersion, maxVersion: api.maxVersion })),
  });
}

/** SaslHandshake v0: the token is the whole frame and so is the answer; a failure closes the connection. */
async function rawSaslToken(session: SaslSession, frame: Buffer, connection: ConnectionInfo): Promise<Buffer> {
  const result = await session.authenticate(frame);
  if (!result.ok) throw new ProtocolRequestError(`SASL authentication failed on ${connection.remoteAddress}:${connection.remotePort}`);
  return result.authBytes;
}
