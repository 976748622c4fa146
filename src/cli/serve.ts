/**
 * `strata serve`: runs the broker behind the Kafka wire protocol until SIGINT or SIGTERM, then
 * shuts down cleanly (stop accepting, answer in-flight requests, flush, checkpoint, mark a clean
 * shutdown). These flag names are relied on by scripts and tests: keep them.
 */

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { StrataServer } from '../protocol/serve.js';
import { defaultCredentialsFile, takeSecuritySettings } from '../protocol/security-settings.js';
import { CredentialsStore } from '../security/credentials-store.js';
import { readPropertiesFile } from './properties-file.js';
import { observabilityFlags, startObservability, type ObservabilityFlags } from '../observability/serve-flags.js';

interface ServeFlags {
  dataDir: string;
  host: string;
  port: string;
  advertisedHost?: string;
  advertisedPort?: string;
  set: string[];
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tlsClientAuth?: string;
  saslMechanisms?: string;
  credentialsFile?: string;
  config?: string;
}

/** The security flags as their --set names (src/protocol/security-settings.ts); flags win. */
function securityFlagSettings(flags: ServeFlags): Record<string, string> {
  const byName: [string, string | undefined][] = [
    ['ssl.certificate.location', flags.tlsCert], ['ssl.key.location', flags.tlsKey], ['ssl.ca.location', flags.tlsCa],
    ['ssl.client.auth', flags.tlsClientAuth], ['sasl.enabled.mechanisms', flags.saslMechanisms], ['sasl.credentials.file', flags.credentialsFile],
  ];
  return Object.fromEntries(byName.filter((entry): entry is [string, string] => entry[1] !== undefined).map(([name, value]) => [name, name.endsWith('location') || name.endsWith('file') ? resolve(value) : value]));
}

type ServeFlagsWithObservability = ServeFlags & ObservabilityFlags;

function parsePort(text: string, flag: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${flag} must be a port number (0–65535), got ${JSON.stringify(text)}`);
  return port;
}

/** `--set key=value` pairs (Kafka names) as a config map. */
export function parseSettings(pairs: readonly string[]): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new Error(`--set takes key=value, got ${JSON.stringify(pair)}`);
    settings[pair.slice(0, equals).trim()] = pair.slice(equals + 1).trim();
  }
  return settings;
}

async function serve(flags: ServeFlagsWithObservability): Promise<void> {
  const dataDir = resolve(flags.dataDir);
  const port = parsePort(flags.port, '--port');
  const fileSettings = flags.config === undefined ? {} : readPropertiesFile(flags.config);
  const { security, rest } = takeSecuritySettings({ ...fileSettings, ...parseSettings(flags.set), ...securityFlagSettings(flags) });
  // With SASL on, the console asks for the same users' passwords (HTTP Basic).
  const users = security.sasl === undefined ? null : new CredentialsStore(security.sasl.credentialsFile ?? defaultCredentialsFile(dataDir));
  const authenticate = users === null ? undefined : ({ username, password }: { username: string; password: string }) => users.verifyPassword(username, password);
  const observability = await startObservability(flags, { host: flags.host, port, dataDir, settings: { ...fileSettings, ...parseSettings(flags.set) } }, authenticate);
  const log = observability.logger;
  const server = await StrataServer.start({
    host: flags.host,
    port,
    ...(flags.advertisedHost === undefined ? {} : { advertisedHost: flags.advertisedHost }),
    ...(flags.advertisedPort === undefined ? {} : { advertisedPort: parsePort(flags.advertisedPort, '--advertised-port') }),
    broker: { dataDir, config: rest, observer: observability.brokerObserver },
    security,
    log: observability.serverLog,
    requestObserver: observability.requestObserver,
  }).catch(async (error: unknown) => {
    await observability.close();
    throw error;
  });
  observability.attach(server);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ event: 'shutdown', signal }, `strata: ${signal}: shutting down`);
    server.close().then(
      () => {
        log.info({ event: 'stopped' }, 'strata: stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        log.fatal({ event: 'shutdown-failed', error: error instanceof Error ? error.message : String(error) }, 'strata: shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Announced only once the signal handlers are in place: a supervisor may signal right after.
  const guards = `${security.tls ? ' (TLS)' : ''}${security.sasl ? ` (SASL ${security.sasl.mechanisms.join(', ')})` : ''}`;
  log.info({ event: 'listening', host: flags.host, port: server.port, dataDir, tls: security.tls !== undefined, sasl: security.sasl?.mechanisms ?? null }, `strata: listening on ${flags.host}:${server.port}${guards}, data in ${dataDir}`);
}

export function registerServe(program: Command): void {
  const command = program
    .command('serve')
    .description('run the broker, speaking the Apache Kafka wire protocol')
    .option('--data-dir <dir>', 'data directory (created if missing)', './data')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0: any free port)', '9092')
    .option('--advertised-host <addr>', 'host clients are told to connect to (default: --host)')
    .option('--advertised-port <n>', 'port clients are told to connect to (default: --port)')
    .option('--tls-cert <file>', 'PEM certificate chain: serve TLS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--tls-ca <file>', 'PEM CA bundle that client certificates must chain to')
    .option('--tls-client-auth <mode>', 'client certificates: none, requested or required')
    .option('--sasl-mechanisms <list>', 'require SASL: e.g. SCRAM-SHA-256,SCRAM-SHA-512,PLAIN')
    .option('--credentials-file <file>', 'SASL users file (strata users); default <data-dir>/meta/credentials.json')
    .option('--config <file>', 'broker settings from a Kafka-style properties file (key=value lines, Kafka names)')
    .option('--set <key=value>', 'a broker setting by its Kafka name, repeatable (wins over --config)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .addHelpText('after', `
Examples:
  strata serve                                   # 127.0.0.1:9092, ./data
  strata serve --data-dir /var/lib/strata --host 0.0.0.0 --port 9092 --advertised-host broker.example
  strata serve --set num.partitions=3 --set retention.ms=86400000
  strata serve --tls-cert server.pem --tls-key server.key --sasl-mechanisms SCRAM-SHA-256,SCRAM-SHA-512
  strata serve --set quota.producer.default=1048576 --set queued.max.request.bytes=104857600
  strata serve --config strata.properties --set log.retention.check.interval.ms=60000
  strata serve --metrics-port 9644 --console     # Prometheus /metrics and the console on http://127.0.0.1:9644/console/
  kcat -b 127.0.0.1:9092 -L                      # then point any Kafka client at it`)
    .action((flags: ServeFlagsWithObservability) => serve(flags));
  observabilityFlags(command);
}
