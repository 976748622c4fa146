/**
 * What the dispatcher asks about security, in one place: whether a connection may send a request
 * yet (with SASL on, only ApiVersions, SaslHandshake and SaslAuthenticate before authentication;
 * anything else closes the connection, and no frame over 512 KiB is read), who a connection's principal is (`User:<sasl user>`, else
 * `User:<TLS client certificate CN>`, else `User:ANONYMOUS`), whether that principal may do an
 * operation (security/authorizer.ts), and how long a client is throttled (./quota-manager.ts).
 * Without options everything is allowed and nothing is throttled.
 */

import type { AclOperation, AclResourceType } from '../security/acl-store.js';
import type { Authorizer } from '../security/authorizer.js';
import type { QuotaKind, QuotaManager } from './quota-manager.js';
import { SaslSession, type SaslConfig } from './sasl-session.js';
import type { ConnectionInfo } from './server.js';

export const ANONYMOUS = 'User:ANONYMOUS';
/** Largest request before SASL authentication (Kafka's sasl.server.max.receive.size). */
export const PRE_AUTH_MAX_REQUEST_BYTES = 512 * 1024;
const API_VERSIONS_KEY = 18;
const SASL_HANDSHAKE_KEY = 17;
const SASL_AUTHENTICATE_KEY = 36;

export interface SecurityOptions {
  /** SASL on when given with at least one mechanism. */
  sasl?: SaslConfig;
  authorizer?: Authorizer;
  quotas?: QuotaManager;
}

/** The per-request view handlers get (RequestContext.security). */
export interface RequestSecurity {
  readonly principal: string;
  /** The connection's SASL state; null when SASL is off. */
  readonly sasl: SaslSession | null;
  authorize(operation: AclOperation, resourceType: AclResourceType, name: string): boolean;
  /** The ACL store, for CreateAcls / DescribeAcls / DeleteAcls, when this principal is a super user. */
  readonly aclAdmin: Authorizer | null;
  /** Records `bytes` against the client's quota; returns throttle_time_ms and mutes the connection for it. */
  throttle(kind: QuotaKind, bytes: number): number;
}

export class ServerSecurity {
  private readonly sessions = new WeakMap<ConnectionInfo, SaslSession>();

  constructor(private readonly options: SecurityOptions = {}) {}

  /** Stops watching the ACL file. */
  close(): void {
    this.options.authorizer?.close();
  }

  get saslEnabled(): boolean {
    return (this.options.sasl?.mechanisms.length ?? 0) > 0;
  }

  private session(connection: ConnectionInfo): SaslSession | null {
    if (!this.saslEnabled) return null;
    let session = this.sessions.get(connection);
    if (session === undefined) {
      session = new SaslSession(this.options.sasl!);
      this.sessions.set(connection, session);
    }
    return session;
  }

  /** False when this request must not be served on this connection yet (the caller closes it). */
  admits(apiKey: number, connection: ConnectionInfo): boolean {
    const session = this.session(connection);
    if (session === null || session.authenticated) return true;
    return apiKey === API_VERSIONS_KEY || apiKey === SASL_HANDSHAKE_KEY || apiKey === SASL_AUTHENTICATE_KEY;
  }

  /** Before authentication a client may not make the server buffer large frames. */
  maxRequestBytesFor(connection: ConnectionInfo): number | undefined {
    const session = this.session(connection);
    return session === null || session.authenticated ? undefined : PRE_AUTH_MAX_REQUEST_BYTES;
  }

  /** After SaslHandshake v0 the client sends raw tokens: the dispatcher hands them here. */
  rawSaslSession(connection: ConnectionInfo): SaslSession | null {
    const session = this.session(connection);
    return session !== null && session.rawTokenExpected ? session : null;
  }

  principalOf(connection: ConnectionInfo): string {
    const fromSasl = this.session(connection)?.principal;
    if (fromSasl !== null && fromSasl !== undefined) return fromSasl;
    const commonName = connection.tlsPeerCommonName;
    return commonName === null || commonName === undefined ? ANONYMOUS : `User:${commonName}`;
  }

  forRequest(connection: ConnectionInfo, clientId: string | null): RequestSecurity {
    const { authorizer, quotas } = this.options;
    const principal = this.principalOf(connection);
    return {
      principal,
      sasl: this.session(connection),
      aclAdmin: authorizer !== undefined && authorizer.isSuperUser(principal) ? authorizer : null,
      authorize: (operation, resourceType, name) => authorizer === undefined || authorizer.authorize(principal, connection.remoteAddress, operation, resourceType, name),
      throttle: (kind, bytes) => {
        if (quotas === undefined) return 0;
        const throttleMs = quotas.record(kind, clientId ?? '', bytes);
        if (throttleMs > 0) connection.mute?.(throttleMs);
        return throttleMs;
      },
    };
  }
}
