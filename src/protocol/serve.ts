/**
 * `strata serve`: a BrokerCore behind the Kafka wire protocol. Starts the listener, answers with
 * the APIs of ./apis, and shuts down in order: stop accepting, answer in-flight requests, close
 * the broker (flush, checkpoints, clean-shutdown marker).
 */

import { BrokerCore, type BrokerCoreOptions } from '../broker/broker-core.js';
import { ALL_APIS } from './apis/index.js';
import { createDispatcher } from './dispatcher.js';
import type { RequestObserver } from './request-observer.js';
import { KafkaServer, type ServerLog, type ServerOptions } from './server.js';
import type { ServerSecurity } from './security.js';
import { openServerSecurity, type ListenerSecurityOptions } from './security-settings.js';

export interface ServeOptions extends Omit<ServerOptions, 'log'> {
  broker: BrokerCoreOptions;
  /** What Metadata and FindCoordinator tell clients to connect to (advertised.listeners); default host:port. */
  advertisedHost?: string;
  advertisedPort?: number;
  log?: ServerLog;
  /** TLS, SASL, ACL, quota and request-memory settings (./security-settings.ts). */
  security?: ListenerSecurityOptions;
  /** Per-request metrics and logs (src/observability); broker-level hooks go in `broker.observer`. */
  requestObserver?: RequestObserver;
}

export class StrataServer {
  private constructor(
    readonly broker: BrokerCore,
    readonly server: KafkaServer,
    private readonly security: ServerSecurity,
  ) {}

  static async start(options: ServeOptions): Promise<StrataServer> {
    const broker = await BrokerCore.open(options.broker);
    const log = options.log ?? { warn: () => undefined };
    const advertised = { host: options.advertisedHost ?? options.host, port: options.advertisedPort ?? options.port };
    let security: ServerSecurity | undefined;
    try {
      security = await openServerSecurity(options.security ?? {}, broker.dataDir, log);
      const dispatcher = createDispatcher({ broker, apis: ALL_APIS, advertised, log, security, ...(options.requestObserver ? { observer: options.requestObserver } : {}) });
      const { tls, maxQueuedRequestBytes } = options.security ?? {};
      const server = await KafkaServer.listen({ ...options, log, maxRequestBytesFor: (connection) => security!.maxRequestBytesFor(connection), ...(tls === undefined ? {} : { tls }), ...(maxQueuedRequestBytes === undefined ? {} : { maxQueuedRequestBytes }) }, dispatcher);
      // Port 0 means "any free port": advertise the one we got.
      if (options.advertisedPort === undefined && options.port === 0) advertised.port = server.port;
      return new StrataServer(broker, server, security);
    } catch (error) {
      security?.close();
      await broker.close();
      throw error;
    }
  }

  get port(): number {
    return this.server.port;
  }

  async close(): Promise<void> {
    await this.server.close();
    this.security.close();
    await this.broker.close();
  }
}
