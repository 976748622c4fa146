/**
 * The listener's security and traffic settings, by Kafka-like names (settable with
 * `strata serve --set key=value` or the dedicated flags), and how they become a ServerSecurity:
 *
 * | setting | meaning |
 * |---|---|
 * | `ssl.certificate.location`, `ssl.key.location` | PEM certificate chain and key: the listener speaks TLS |
 * | `ssl.ca.location` | PEM CA bundle client certificates must chain to |
 * | `ssl.client.auth` | `none` (default), `requested`, `required` |
 * | `sasl.enabled.mechanisms` | e.g. `SCRAM-SHA-256,SCRAM-SHA-512,PLAIN`; SASL is required when set |
 * | `sasl.credentials.file` | the users file (`strata users`); default `<data-dir>/meta/credentials.json` |
 * | `allow.everyone.if.no.acl.found` | `true` (default): a resource no ACL names is open to all |
 * | `super.users` | `User:admin;User:ops`: principals ACLs never restrict |
 * | `quota.producer.default`, `quota.consumer.default` | bytes/s per client id (unset: unlimited) |
 * | `quota.producer.overrides`, `quota.consumer.overrides` | `clientA=1048576,clientB=2048` |
 * | `queued.max.request.bytes` | bound on request bytes being handled at once (default unbounded, -1) |
 */

import { join } from 'node:path';
import { aclFilePath } from '../security/acl-store.js';
import { Authorizer } from '../security/authorizer.js';
import { checkMechanism, CredentialsStore, type SaslMechanism } from '../security/credentials-store.js';
import { parseQuotaOverrides, QuotaManager, type QuotaSettings } from './quota-manager.js';
import { ServerSecurity } from './security.js';
import type { ServerLog } from './server.js';
import { checkClientAuth, type TlsSettings } from './tls-listener.js';

export interface ListenerSecurityOptions {
  tls?: TlsSettings;
  sasl?: { mechanisms: readonly SaslMechanism[]; credentialsFile?: string };
  acls?: { allowEveryoneIfNoAclFound?: boolean; superUsers?: readonly string[] };
  quotas?: QuotaSettings;
  /** queued.max.request.bytes */
  maxQueuedRequestBytes?: number;
}

export const SECURITY_SETTING_NAMES = [
  'ssl.certificate.location', 'ssl.key.location', 'ssl.ca.location', 'ssl.client.auth',
  'sasl.enabled.mechanisms', 'sasl.credentials.file',
  'allow.everyone.if.no.acl.found', 'super.users',
  'quota.producer.default', 'quota.consumer.default', 'quota.producer.overrides', 'quota.consumer.overrides',
  'queued.max.request.bytes',
] as const;

export function defaultCredentialsFile(dataDir: string): string {
  return join(dataDir, 'meta', 'credentials.json');
}

function bytesPerSecond(text: string, key: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${key} must be a positive number of bytes per second, got ${JSON.stringify(text)}`);
  return value;
}

/** Splits the security settings out of `settings`; the rest are broker settings. */
export function takeSecuritySettings(settings: Readonly<Record<string, string>>): { security: ListenerSecurityOptions; rest: Record<string, string> } {
  const rest: Record<string, string> = {};
  const own = new Map<string, string>();
  for (const [key, value] of Object.entries(settings)) {
    if ((SECURITY_SETTING_NAMES as readonly string[]).includes(key)) own.set(key, value);
    else rest[key] = value;
  }
  const security: ListenerSecurityOptions = {};
  const cert = own.get('ssl.certificate.location');
  const key = own.get('ssl.key.location');
  if ((cert === undefined) !== (key === undefined)) throw new Error('TLS needs both ssl.certificate.location and ssl.key.location (--tls-cert and --tls-key)');
  if (cert !== undefined && key !== undefined) {
    const ca = own.get('ssl.ca.location');
    const clientAuth = own.get('ssl.client.auth');
    security.tls = { certFile: cert, keyFile: key, ...(ca === undefined ? {} : { caFile: ca }), ...(clientAuth === undefined ? {} : { clientAuth: checkClientAuth(clientAuth) }) };
  } else if (own.has('ssl.ca.location') || own.has('ssl.client.auth')) {
    throw new Error('ssl.ca.location and ssl.client.auth need a TLS listener: set ssl.certificate.location and ssl.key.location too');
  }
  const mechanisms = own.get('sasl.enabled.mechanisms');
  const credentialsFile = own.get('sasl.credentials.file');
  if (mechanisms !== undefined && mechanisms.trim() !== '') {
    security.sasl = { mechanisms: [...new Set(mechanisms.split(',').map((name) => checkMechanism(name.trim())))], ...(credentialsFile === undefined ? {} : { credentialsFile }) };
  } else if (credentialsFile !== undefined) {
    throw new Error('sasl.credentials.file is set but no SASL mechanism is enabled (sasl.enabled.mechanisms, --sasl-mechanisms)');
  }
  const allowEveryone = own.get('allow.everyone.if.no.acl.found');
  if (allowEveryone !== undefined && allowEveryone !== 'true' && allowEveryone !== 'false') throw new Error(`allow.everyone.if.no.acl.found must be true or false, got ${JSON.stringify(allowEveryone)}`);
  const superUsers = own.get('super.users')?.split(';').map((name) => name.trim()).filter((name) => name.length > 0);
  security.acls = { ...(allowEveryone === undefined ? {} : { allowEveryoneIfNoAclFound: allowEveryone === 'true' }), ...(superUsers === undefined ? {} : { superUsers }) };
  const quotas: QuotaSettings = {};
  const producerDefault = own.get('quota.producer.default');
  const consumerDefault = own.get('quota.consumer.default');
  if (producerDefault !== undefined) quotas.producerDefaultBytesPerSecond = bytesPerSecond(producerDefault, 'quota.producer.default');
  if (consumerDefault !== undefined) quotas.consumerDefaultBytesPerSecond = bytesPerSecond(consumerDefault, 'quota.consumer.default');
  const producerOverrides = own.get('quota.producer.overrides');
  const consumerOverrides = own.get('quota.consumer.overrides');
  if (producerOverrides !== undefined) quotas.producerOverrides = parseQuotaOverrides(producerOverrides, 'quota.producer.overrides');
  if (consumerOverrides !== undefined) quotas.consumerOverrides = parseQuotaOverrides(consumerOverrides, 'quota.consumer.overrides');
  security.quotas = quotas;
  const queued = own.get('queued.max.request.bytes');
  if (queued !== undefined) {
    const value = Number(queued);
    if (!Number.isInteger(value) || (value < 1 && value !== -1)) throw new Error(`queued.max.request.bytes must be a positive integer or -1 (unbounded), got ${JSON.stringify(queued)}`);
    if (value !== -1) security.maxQueuedRequestBytes = value;
  }
  return { security, rest };
}

/** Builds the dispatcher's ServerSecurity (opens the ACL file of `dataDir`). */
export async function openServerSecurity(options: ListenerSecurityOptions, dataDir: string, log: ServerLog): Promise<ServerSecurity> {
  const authorizer = await Authorizer.open({
    aclFile: aclFilePath(dataDir),
    ...options.acls,
    onReloadError: (error) => log.warn('ACL file could not be reloaded; the previous ACLs stay in force', { error: error.message }),
  });
  const quotas = new QuotaManager(options.quotas ?? {});
  const sasl = options.sasl === undefined ? undefined : { mechanisms: options.sasl.mechanisms, credentials: new CredentialsStore(options.sasl.credentialsFile ?? defaultCredentialsFile(dataDir)) };
  return new ServerSecurity({ authorizer, ...(quotas.enabled ? { quotas } : {}), ...(sasl === undefined ? {} : { sasl }) });
}
