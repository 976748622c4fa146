// An in-process `strata serve` with observability on (HTTP on a free port), its log lines
// captured, and helpers to scrape and parse /metrics.
import { Kafka, logLevel } from 'kafkajs';
import { afterEach } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { Observability } from '../../src/observability/observability.js';
import { StrataServer } from '../../src/protocol/serve.js';
import { disconnectAll } from '../support/kafkajs-clients.js';
import { tempDir } from '../support/temp-dir.js';

export interface ObservedServer {
  server: StrataServer;
  observability: Observability;
  httpUrl: string;
  /** Every log line so far, parsed. */
  logs: Record<string, unknown>[];
  kafka: Kafka;
}

const running: { server?: StrataServer; observability: Observability }[] = [];

afterEach(async () => {
  await disconnectAll();
  for (const { server, observability } of running.splice(0).reverse()) {
    await server?.close();
    await observability.close();
  }
});

/** Starts the HTTP side first (as `strata serve` does), then the broker, then marks it ready. */
export async function startObservedServer(options: { console?: boolean; attach?: boolean } = {}): Promise<ObservedServer> {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) } });
  const observability = await Observability.start({ logger, http: { host: '127.0.0.1', port: 0, console: options.console ?? false } });
  const entry: { server?: StrataServer; observability: Observability } = { observability };
  running.push(entry);
  const server = await StrataServer.start({
    host: '127.0.0.1',
    port: 0,
    broker: { dataDir: tempDir(), groupInitialRebalanceDelayMs: 0, observer: observability.brokerObserver },
    log: observability.serverLog,
    requestObserver: observability.requestObserver,
  });
  entry.server = server;
  if (options.attach ?? true) observability.attach(server);
  const kafka = new Kafka({ clientId: 'observability-test', brokers: [`127.0.0.1:${server.port}`], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  return { server, observability, httpUrl: `http://127.0.0.1:${observability.http!.port}`, logs, kafka };
}

/** One sample per series: `name{label="value",…}` (labels sorted) → value. */
export type Samples = Map<string, number>;

/** Parses Prometheus text exposition (format 0.0.4): comments skipped, every sample line kept. */
export function parseExposition(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a sample line: ${line}`);
    const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(([, name, value]) => `${name}="${value}"`).sort();
    samples.set(`${match[1]}${labels.length > 0 ? `{${labels.join(',')}}` : ''}`, Number(match[3]));
  }
  return samples;
}

export async function scrape(httpUrl: string): Promise<Samples> {
  const response = await fetch(`${httpUrl}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  expectPrometheusContentType(response.headers.get('content-type'));
  return parseExposition(await response.text());
}

function expectPrometheusContentType(contentType: string | null): void {
  if (!contentType?.startsWith('text/plain; version=0.0.4')) throw new Error(`unexpected content type ${contentType}`);
}

/** A series' value, 0 when absent (a counter not yet incremented has no sample). */
export function value(samples: Samples, series: string): number {
  return samples.get(series) ?? 0;
}
