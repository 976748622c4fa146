/**
 * Strata's HTTP side (off unless asked for): Prometheus `/metrics`, `/healthz` (the process is up),
 * `/readyz` (storage recovered and the Kafka listener bound: 503 until then) and, with the console
 * on, the page under `/console/` and its JSON API under `/api/`.
 *
 * Security: it listens on loopback unless told otherwise. When an `authenticate` hook is given
 * (SASL enabled on the broker), the console and its API require HTTP Basic credentials that the
 * hook accepts; metrics and health stay open for probes and scrapers. The one writing endpoint
 * (produce a test message) takes only `application/json` with a same-origin (or absent) Origin,
 * so another site open in the browser cannot post to it. Bodies are limited to MAX_BODY_BYTES.
 */

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { BrokerError } from '../broker/broker-error.js';
import type { ConsoleApi, TestMessage } from './console-api.js';
import type { StrataMetrics } from './metrics.js';

/** Checks console credentials (the broker's SASL users); resolves true to let the request in. */
export type Authenticate = (credentials: { username: string; password: string }) => Promise<boolean>;

export interface HttpServerOptions {
  host: string;
  port: number;
  metrics?: StrataMetrics;
  /** Whether the console is served; its API appears once `attachConsole` gives it a broker. */
  console?: boolean;
  authenticate?: Authenticate;
}

const MAX_BODY_BYTES = 1024 * 1024;
const STATIC_FILES: Record<string, string> = {
  '/console/': 'index.html',
  '/console/app.js': 'app.js',
  '/console/style.css': 'style.css',
};
const CONTENT_TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
const PAGE_SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class ObservabilityHttpServer {
  private ready = false;
  private consoleApi: ConsoleApi | null = null;

  private constructor(
    private readonly server: Server,
    private readonly options: HttpServerOptions,
    readonly port: number,
  ) {}

  static listen(options: HttpServerOptions): Promise<ObservabilityHttpServer> {
    let instance: ObservabilityHttpServer | undefined;
    const server = createServer((request, response) => {
      if (instance === undefined) return void response.writeHead(503).end();
      instance.handle(request, response).catch((error: unknown) => sendError(response, error));
    });
    server.keepAliveTimeout = 5_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        const address = server.address();
        instance = new ObservabilityHttpServer(server, options, typeof address === 'object' && address !== null ? address.port : options.port);
        resolve(instance);
      });
    });
  }

  /** Storage is recovered and the Kafka listener bound: /readyz answers 200 from now on. */
  markReady(): void {
    this.ready = true;
  }

  /** Serves the console's API over this broker (when the console is on). */
  attachConsole(api: ConsoleApi): void {
    this.consoleApi = api;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (path === '/readyz') return sendJson(response, this.ready ? 200 : 503, { status: this.ready ? 'ready' : 'starting' });
    if (path === '/metrics' && this.options.metrics !== undefined) {
      const body = await this.options.metrics.registry.metrics();
      response.writeHead(200, { 'Content-Type': this.options.metrics.registry.contentType, 'Cache-Control': 'no-store' });
      return void response.end(body);
    }
    if (this.options.console === true) {
      if (path === '/' || path === '/console') {
        response.writeHead(302, { Location: '/console/' });
        return void response.end();
      }
      if (path in STATIC_FILES || path.startsWith('/api/')) {
        await this.checkCredentials(request);
        if (path in STATIC_FILES) return sendStatic(response, STATIC_FILES[path]!);
        return this.handleApi(request, response, path, url.searchParams);
      }
    }
    throw new HttpError(404, `no such path: ${path}`);
  }

  private async checkCredentials(request: IncomingMessage): Promise<void> {
    if (this.options.authenticate === undefined) return;
    const challenge = { 'WWW-Authenticate': 'Basic realm="strata console", charset="UTF-8"' };
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(request.headers.authorization ?? '');
    if (match === null) throw new HttpError(401, 'credentials required', challenge);
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0 || !(await this.options.authenticate({ username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }))) throw new HttpError(401, 'invalid credentials', challenge);
  }

  private async handleApi(request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const api = this.consoleApi;
    if (api === null) throw new HttpError(503, 'the broker is starting');
    const parts = path.split('/').slice(2).map(decodeURIComponent); // ['topics', name, ...]
    const method = request.method ?? 'GET';
    if (method === 'GET' && parts.length === 1 && parts[0] === 'overview') return sendJson(response, 200, api.overview());
    if (method === 'GET' && parts.length === 1 && parts[0] === 'topics') return sendJson(response, 200, api.topics());
    if (method === 'GET' && parts.length === 1 && parts[0] === 'groups') return sendJson(response, 200, await api.groups());
    if (method === 'GET' && parts.length === 2 && parts[0] === 'groups') return sendJson(response, 200, await api.group(parts[1]!));
    if (method === 'GET' && parts.length === 5 && parts[0] === 'topics' && parts[2] === 'partitions' && parts[4] === 'messages') {
      const from = query.has('timestamp') ? { timestamp: numberParam(query, 'timestamp') } : { offset: query.has('offset') ? numberParam(query, 'offset') : 0 };
      const limit = query.has('limit') ? numberParam(query, 'limit') : 20;
      return sendJson(response, 200, await api.messages(parts[1]!, numberParam(new URLSearchParams({ partition: parts[3]! }), 'partition'), from, limit));
    }
    if (method === 'POST' && parts.length === 3 && parts[0] === 'topics' && parts[2] === 'messages') {
      checkSameOrigin(request);
      const message = (await readJsonBody(request)) as TestMessage;
      return sendJson(response, 200, await api.produce(parts[1]!, message));
    }
    throw new HttpError(404, `no such API: ${method} ${path}`);
  }
}

function numberParam(query: URLSearchParams, name: string): number {
  const text = query.get(name) ?? '';
  if (!/^-?\d+$/.test(text)) throw new HttpError(400, `${name} must be an integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

function checkSameOrigin(request: IncomingMessage): void {
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) throw new HttpError(415, 'send the message as application/json');
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw new HttpError(403, 'bad Origin header');
    }
    if (host !== request.headers.host) throw new HttpError(403, `cross-origin request from ${origin} refused`);
  } else if (origin === 'null') {
    throw new HttpError(403, 'opaque-origin request refused');
  }
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
    return body;
  } catch {
    throw new HttpError(400, 'the body must be a JSON object');
  }
}

/** The console's files: next to this module in dist/ (copied by the build), else in the source tree. */
async function readConsoleFile(name: string): Promise<Buffer> {
  try {
    return await readFile(fileURLToPath(new URL(`./console/${name}`, import.meta.url)));
  } catch {
    return readFile(fileURLToPath(new URL(`../../../src/observability/console/${name}`, import.meta.url)));
  }
}

async function sendStatic(response: ServerResponse, name: string): Promise<void> {
  const body = await readConsoleFile(name);
  response.writeHead(200, { 'Content-Type': CONTENT_TYPES[name.split('.').pop()!]!, 'Cache-Control': 'no-cache', ...PAGE_SECURITY_HEADERS });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  response.end(JSON.stringify(body));
}

/** HttpErrors keep their status; a broker error is the client's (400, or 404 for a missing topic or group); anything else is 500. */
function sendError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) return void response.destroy();
  if (error instanceof HttpError) {
    response.writeHead(error.status, { 'Content-Type': 'application/json; charset=utf-8', ...error.headers });
    return void response.end(JSON.stringify({ error: error.message }));
  }
  if (error instanceof BrokerError) {
    const notFound = error.code === 'UNKNOWN_TOPIC_OR_PARTITION' || error.code === 'GROUP_ID_NOT_FOUND';
    return sendJson(response, notFound ? 404 : 400, { error: error.message, code: error.code });
  }
  sendJson(response, 500, { error: error instanceof Error ? error.message : String(error) });
}
