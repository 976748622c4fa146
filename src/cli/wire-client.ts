/**
 * A small Kafka protocol client for the CLI's remote mode: one TCP connection to the bootstrap
 * server, requests encoded and responses decoded with the same generated message schemas the
 * server uses (../protocol/messages), matched by correlation id. Strata is a single node, so every
 * request goes to the bootstrap server. Each request has a timeout; a refused or dropped
 * connection fails every pending request with one readable CliError.
 */

import { connect, type Socket } from 'node:net';
import { FrameReader } from '../protocol/frame-reader.js';
import type { MessageInput, MessageSchema } from '../protocol/wire/schema.js';
import { decodeResponse, encodeRequest } from '../protocol/wire/headers.js';
import { CliError } from './cli-error.js';

/** Responses larger than this are refused (a fetch asks for far less). */
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
const CLIENT_ID = 'strata-cli';
/** How long close() waits for the server to close its side after ours. */
const CLOSE_TIMEOUT_MS = 1_000;
const UNREACHABLE_HINT = 'is `strata serve` running there? Or use --data-dir DIR to work on a data directory no server holds';

export interface Api<Request, Response> {
  request: MessageSchema<Request>;
  response: MessageSchema<Response>;
}

interface Pending {
  resolve: (frame: Buffer) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class WireClient {
  private readonly frames = new FrameReader(MAX_RESPONSE_BYTES);
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private failure: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(new CliError(`connection to ${address} failed: ${error.message}`, UNREACHABLE_HINT)));
    socket.on('close', () => this.fail(new CliError(`the server at ${address} closed the connection`, 'see the server’s output for why')));
  }

  /** Connects to `host:port`; a refusal or a timeout is a CliError naming the address. */
  static connect(address: string, timeoutMs: number): Promise<WireClient> {
    const { host, port } = parseAddress(address);
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new CliError(`cannot connect to ${address}: no answer within ${timeoutMs} ms`, UNREACHABLE_HINT));
      }, timeoutMs);
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const why = error.code === 'ECONNREFUSED' ? 'connection refused' : error.code === 'ENOTFOUND' ? 'unknown host' : error.message;
        reject(new CliError(`cannot connect to ${address}: ${why}`, UNREACHABLE_HINT));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        resolve(new WireClient(socket, address));
      });
    });
  }

  /** Sends one request and resolves with its decoded response. */
  async request<Request, Response>(api: Api<Request, Response>, version: number, body: MessageInput<Request>, timeoutMs: number): Promise<Response> {
    if (this.failure !== null) throw this.failure;
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequest(api.request, version, { correlationId, clientId: CLIENT_ID }, body);
    const response = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new CliError(`${api.request.name} to ${this.address} got no answer within ${timeoutMs} ms`, 'is the server overloaded or stuck? see its output'));
      }, timeoutMs);
      this.pending.set(correlationId, { resolve, reject, timer });
    });
    this.send(frame);
    return decodeResponse(api.response, version, await response).body;
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  sendOnly<Request>(api: Api<Request, unknown>, version: number, body: MessageInput<Request>): void {
    if (this.failure !== null) throw this.failure;
    this.send(encodeRequest(api.request, version, { correlationId: this.nextCorrelationId++, clientId: CLIENT_ID }, body));
  }

  private send(frame: Buffer): void {
    const size = Buffer.alloc(4);
    size.writeInt32BE(frame.length, 0);
    this.socket.write(size);
    this.socket.write(frame);
  }

  private onData(chunk: Buffer): void {
    this.frames.push(chunk);
    for (;;) {
      const next = this.frames.next();
      if (next.kind === 'need-more') return;
      if (next.kind === 'too-large') {
        this.fail(new CliError(`the server at ${this.address} sent a response of ${next.sizeBytes} bytes (at most ${MAX_RESPONSE_BYTES})`));
        this.socket.destroy();
        return;
      }
      const correlationId = next.frame.readInt32BE(0);
      const waiting = this.pending.get(correlationId);
      if (waiting === undefined) continue; // timed out already
      this.pending.delete(correlationId);
      clearTimeout(waiting.timer);
      waiting.resolve(next.frame);
    }
  }

  private fail(error: Error): void {
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
    this.failure ??= new CliError('the connection is closed');
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), CLOSE_TIMEOUT_MS).unref();
    });
  }
}

/** `host:port` (IPv6 in brackets: `[::1]:9092`). */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(address);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port < 1 || port > 65_535) throw new CliError(`--bootstrap must be host:port, got ${JSON.stringify(address)}`, 'for example --bootstrap 127.0.0.1:9092', 2);
  return { host: match[1] ?? match[2]!, port };
}
