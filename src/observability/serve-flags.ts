/**
 * The observability flags of `strata serve` (--metrics-port, --console, --http-host, --log-level,
 * --log-format) and the start of logging and HTTP from them, with the startup line that
 * summarises the configuration. Kept here so src/cli/serve.ts only wires it in.
 */

import { Option, type Command } from 'commander';
import { LOG_LEVELS, createLogger, type LogFormat, type LogLevel } from './logger.js';
import type { Authenticate } from './http-server.js';
import { Observability } from './observability.js';

export interface ObservabilityFlags {
  metricsPort?: string;
  console?: boolean;
  httpHost: string;
  logLevel: LogLevel;
  logFormat?: LogFormat;
}

/** The HTTP port when --console is given without --metrics-port. */
export const DEFAULT_CONSOLE_PORT = 9644;

export function observabilityFlags(command: Command): Command {
  return command
    .option('--metrics-port <n>', 'serve Prometheus /metrics, /healthz and /readyz over HTTP on this port (off by default; 0: any free port)')
    .option('--console', `also serve the web console at /console/ on that HTTP server (port ${DEFAULT_CONSOLE_PORT} without --metrics-port)`)
    .option('--http-host <addr>', 'address of the HTTP server (metrics, health, console)', '127.0.0.1')
    .addOption(new Option('--log-level <level>', 'least severe level logged').choices(LOG_LEVELS).default('info'))
    .addOption(new Option('--log-format <format>', 'log lines as JSON objects or readable text (default: pretty on a terminal, json otherwise)').choices(['json', 'pretty']));
}

function parseHttpPort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) throw new Error(`--metrics-port must be a port number (0–65535), got ${JSON.stringify(text)}`);
  return port;
}

/** Starts logging (and HTTP when asked for) and logs the startup line. */
export async function startObservability(flags: ObservabilityFlags, summary: { host: string; port: number; dataDir: string; settings: Record<string, string> }, authenticate?: Authenticate): Promise<Observability> {
  const logger = createLogger({ level: flags.logLevel, ...(flags.logFormat ? { format: flags.logFormat } : {}) });
  const httpPort = flags.metricsPort !== undefined ? parseHttpPort(flags.metricsPort) : flags.console ? DEFAULT_CONSOLE_PORT : null;
  logger.info(
    { event: 'startup', pid: process.pid, node: process.version, ...summary, settings: redacted(summary.settings), http: httpPort === null ? null : { host: flags.httpHost, port: httpPort, console: flags.console === true }, logLevel: flags.logLevel },
    'strata: starting',
  );
  if (httpPort !== null && flags.console && !isLoopback(flags.httpHost)) {
    logger.warn({ event: 'console-exposed', httpHost: flags.httpHost }, 'the console listens beyond loopback: anyone who reaches it can read every topic and produce test messages unless SASL is on');
  }
  return Observability.start({
    logger,
    ...(httpPort === null ? {} : { http: { host: flags.httpHost, port: httpPort, console: flags.console === true, ...(authenticate === undefined ? {} : { authenticate }) } }),
  });
}

/** Settings as logged: values of keys that may hold secrets are hidden. */
function redacted(settings: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, /password|secret|jaas|credential|token/i.test(key) ? '[redacted]' : value]));
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
