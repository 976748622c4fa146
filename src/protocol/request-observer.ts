/**
 * A hook the dispatcher calls once per answered request, for metrics (latency per API, error codes)
 * and logs (client errors with the client id and address). `startNs` is process.hrtime.bigint()
 * when the request was decoded; the response is the handler's body (null for Produce acks=0),
 * which observers may walk for error codes but must not change.
 */

import type { ConnectionInfo } from './server.js';

export interface RequestObserver {
  onResponse(apiName: string, startNs: bigint, response: unknown, clientId: string | null, connection: ConnectionInfo): void;
}
