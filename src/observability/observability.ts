/**
 * Wires logs, metrics, health and the console around one `strata serve`: start() opens the HTTP
 * server (when asked for) before the broker, so /healthz answers and /readyz says "starting" while
 * storage recovers; the hooks it hands out go to the broker and the dispatcher; attach() points the
 * scrape-time gauges and the console at the running server and marks it ready.
 *
 * With HTTP off nothing is counted: the broker gets only the event log, so metrics cost nothing.
 */

import type { BrokerObserver } from '../broker/broker-observer.js';
import type { RequestObserver } from '../protocol/request-observer.js';
import type { StrataServer } from '../protocol/serve.js';
import type { ServerLog } from '../protocol/server.js';
import { ConsoleApi } from './console-api.js';
import { clientErrorLogObserver, eventLogObserver, serverLog } from './event-log.js';
import { ObservabilityHttpServer, type Authenticate } from './http-server.js';
import type { Logger } from './logger.js';
import { StrataMetrics } from './metrics.js';
import { errorCodesIn } from './response-errors.js';

export interface ObservabilityOptions {
  logger: Logger;
  /** The HTTP server: /metrics, /healthz, /readyz, and the console when `console` is set. */
  http?: { host: string; port: number; console: boolean; authenticate?: Authenticate };
}

export class Observability {
  readonly brokerObserver: BrokerObserver;
  readonly requestObserver: RequestObserver;
  readonly serverLog: ServerLog;

  private constructor(
    readonly logger: Logger,
    readonly metrics: StrataMetrics | null,
    readonly http: ObservabilityHttpServer | null,
  ) {
    const events = eventLogObserver(logger);
    const clientErrors = clientErrorLogObserver(logger);
    if (metrics === null) {
      this.brokerObserver = events;
      this.requestObserver = clientErrors;
    } else {
      this.brokerObserver = {
        ...metrics.brokerObserver,
        onEvent: (event) => {
          events.onEvent(event);
          metrics.brokerObserver.onEvent!(event);
        },
      };
      this.requestObserver = {
        onResponse: (apiName, startNs, response, clientId, connection) => {
          const errorCodes = errorCodesIn(response); // one walk for both
          metrics.observeRequest(apiName, startNs, errorCodes);
          clientErrors.log(apiName, errorCodes, clientId, connection);
        },
      };
    }
    this.serverLog = serverLog(logger);
  }

  static async start(options: ObservabilityOptions): Promise<Observability> {
    if (options.http === undefined) return new Observability(options.logger, null, null);
    const metrics = new StrataMetrics();
    const http = await ObservabilityHttpServer.listen({ ...options.http, metrics });
    const where = `${options.http.host}:${http.port}`;
    options.logger.info({ event: 'http-listening', address: where, console: options.http.console }, `http on ${where}: /metrics /healthz /readyz${options.http.console ? ` /console/ (http://${where}/console/)` : ''}`);
    return new Observability(options.logger, metrics, http);
  }

  /** The broker is open and the Kafka listener bound. */
  attach(server: StrataServer): void {
    this.metrics?.watch({ broker: server.broker, connections: () => server.server.connectionCount });
    this.http?.attachConsole(new ConsoleApi(server.broker));
    this.http?.markReady();
  }

  async close(): Promise<void> {
    await this.http?.close();
  }
}
