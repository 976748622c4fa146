/**
 * The client side of one Kafka protocol connection: a TCP socket to a broker, requests encoded and
 * responses decoded with the same generated message schemas the server uses (./messages),
 * pipelined and matched by correlation id. The CLI's remote mode, the benchmarks' minimal
 * producer, the load tool and the test harnesses all talk to `strata serve` through it.
 *
 * Every request has a timeout; a refused, dropped or misbehaving connection fails every pending
 * request with one WireConnectionError naming the address. A response frame larger than
 * `maxResponseBytes` is refused before it is allocated (./frame-reader.ts).
 */

import { connect, type Socket } from 'node:net';
import { FrameReader } from './frame-reader.js';
import { decodeResponse, encodeRequest } from './wire/headers.js';
import type { MessageInput, MessageSchema } from './wire/schema.js';

export type WireConnectionErrorCode =
  /** Nothing listens there, or the host is unknown. */
  | 'CONNECTION_REFUSED'
  /** No connection (or no response) within the timeout. */
  | 'TIMED_OUT'
  /** The server closed the connection, or the socket failed. */
  | 'CONNECTION_CLOSED'
  /** A response frame over `maxResponseBytes`, or one answering no request. */
  | 'BAD_RESPONSE'
  /** `host:port` is not an address. */
  | 'INVALID_ADDRESS';

export class WireConnectionError extends Error {
  override readonly name = 'WireConnectionError';

  constructor(
    readonly code: WireConnectionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface Api<Request, Response> {
  request: MessageSchema<Request>;
  response: MessageSchema<Response>;
}

export interface WireConnectionOptions {
  clientId: string;
  connectTimeoutMs: number;
  /** Default per-request timeout; request() may give its own. */
  requestTimeoutMs: number;
  /** Responses larger than this are refused (default 256 MiB). */
  maxResponseBytes?: number;
}

interface Pending {
  resolve: (frame: Buffer) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
const SIZE_PREFIX_BYTES = 4;
/** How long close() waits for the server to close its side after ours. */
const CLOSE_TIMEOUT_MS = 1_000;

/** `host:port` (IPv6 in brackets: `[::1]:9092`). */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(address);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port < 1 || port > 65_535) throw new WireConnectionError('INVALID_ADDRESS', `expected host:port, got ${JSON.stringify(address)}`);
  return { host: match[1] ?? match[2]!, port };
}

export class WireConnection {
  private readonly frames: FrameReader;
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private failure: WireConnectionError | null = null;

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
    private readonly options: WireConnectionOptions,
  ) {
    this.frames = new FrameReader(options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(new WireConnectionError('CONNECTION_CLOSED', `connection to ${address} failed: ${error.message}`)));
    socket.on('close', () => this.fail(new WireConnectionError('CONNECTION_CLOSED', `the server at ${address} closed the connection`)));
  }

  /** Connects to `address` (host:port); a refusal or a timeout is a WireConnectionError naming it. */
  static connect(address: string, options: WireConnectionOptions): Promise<WireConnection> {
    let host: string;
    let port: number;
    try {
      ({ host, port } = parseAddress(address));
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new WireConnectionError('TIMED_OUT', `cannot connect to ${address}: no answer within ${options.connectTimeoutMs} ms`));
      }, options.connectTimeoutMs);
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const why = error.code === 'ECONNREFUSED' ? 'connection refused' : error.code === 'ENOTFOUND' ? 'unknown host' : error.message;
        reject(new WireConnectionError('CONNECTION_REFUSED', `cannot connect to ${address}: ${why}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new WireConnection(socket, address, options));
      });
    });
  }

  /** Sends one request and resolves with its decoded response body. */
  async request<Request, Response>(api: Api<Request, Response>, version: number, body: MessageInput<Request>, timeoutMs = this.options.requestTimeoutMs): Promise<Response> {
    if (this.failure !== null) throw this.failure;
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequest(api.request, version, { correlationId, clientId: this.options.clientId }, body);
    const response = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new WireConnectionError('TIMED_OUT', `${api.request.name} to ${this.address} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(correlationId, { resolve, reject, timer });
    });
    this.send(frame);
    return decodeResponse(api.response, version, await response).body;
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  sendOnly<Request>(api: Api<Request, unknown>, version: number, body: MessageInput<Request>): void {
    if (this.failure !== null) throw this.failure;
    this.send(encodeRequest(api.request, version, { correlationId: this.nextCorrelationId++, clientId: this.options.clientId }, body));
  }

  /** Size prefix and body leave in one segment. */
  private send(body: Buffer): void {
    const size = Buffer.allocUnsafe(SIZE_PREFIX_BYTES);
    size.writeInt32BE(body.length, 0);
    this.socket.cork();
    this.socket.write(size);
    this.socket.write(body);
    this.socket.uncork();
  }

  private onData(chunk: Buffer): void {
    this.frames.push(chunk);
    for (;;) {
      const next = this.frames.next();
      if (next.kind === 'need-more') return;
      if (next.kind === 'too-large') {
        this.fail(new WireConnectionError('BAD_RESPONSE', `the server at ${this.address} sent a response of ${next.sizeBytes} bytes (at most ${this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES})`));
        this.socket.destroy();
        return;
      }
      const correlationId = next.frame.readInt32BE(0);
      const waiting = this.pending.get(correlationId);
      if (waiting === undefined) {
        if (correlationId < this.nextCorrelationId) continue; // timed out already
        this.fail(new WireConnectionError('BAD_RESPONSE', `the server at ${this.address} answered correlation id ${correlationId}, which no request had`));
        this.socket.destroy();
        return;
      }
      this.pending.delete(correlationId);
      clearTimeout(waiting.timer);
      waiting.resolve(next.frame);
    }
  }

  private fail(error: WireConnectionError): void {
    if (this.failure !== null) return;
    this.failure = error;
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
    this.pending.clear();
  }

  /** Closes the connection once what was written has been sent. */
  async close(): Promise<void> {
    this.failure ??= new WireConnectionError('CONNECTION_CLOSED', `the connection to ${this.address} is closed`);
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), CLOSE_TIMEOUT_MS).unref();
    });
  }
}
