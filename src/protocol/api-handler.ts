/**
 * One Kafka API as the dispatcher sees it: its request and response schemas (generated from
 * Kafka's message definitions), the versions Strata advertises, and the handler that answers a
 * decoded request through the broker. Each file in ./apis/ defines exactly one.
 */

import type { BrokerCore } from '../broker/broker-core.js';
import type { MessageInput, MessageSchema } from './wire/schema.js';
import type { ConnectionInfo } from './server.js';
import type { RequestSecurity } from './security.js';

export interface RequestContext {
  broker: BrokerCore;
  apiVersion: number;
  clientId: string | null;
  connection: ConnectionInfo;
  /** The host:port clients are told to connect to (advertised.listeners). */
  advertised: { host: string; port: number };
  /** Every API the server serves, for ApiVersions. */
  apis: readonly ApiHandler[];
  /** The principal, its permissions (ACLs), SASL state and quota throttling (./security.ts). */
  security: RequestSecurity;
}

export interface ApiHandler<Request = any, Response = any> {
  request: MessageSchema<Request>;
  response: MessageSchema<Response>;
  /** Advertised in ApiVersions; requests outside this range are refused. */
  minVersion: number;
  maxVersion: number;
  /** The response body, or null to send nothing (Produce with acks=0). */
  handle(request: Request, context: RequestContext): Promise<MessageInput<Response> | null>;
}

/** Declares a handler with its schemas' types checked. */
export function defineApi<Request, Response>(api: ApiHandler<Request, Response>): ApiHandler<Request, Response> {
  return api;
}
