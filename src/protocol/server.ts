/**
 * The TCP side of `strata serve`: accepts connections, cuts each byte stream into size-prefixed
 * frames (./frame-reader.ts), hands every request frame to the dispatcher, and writes responses
 * back strictly in request order per connection, while requests run concurrently (clients
 * pipeline; some send Metadata right behind ApiVersions). It holds no Kafka state of its own.
 *
 * Limits: a frame over `maxRequestBytes` (socket.request.max.bytes) closes the connection after a
 * log line, without allocating it; at most `maxInFlightRequests` requests or `maxQueuedResponseBytes`
 * of responses wait per connection before the socket stops being read (backpressure); idle
 * connections close after `idleTimeoutMs`; `maxConnections` bounds the rest. close() stops
 * accepting, lets in-flight requests finish and their responses go out, then closes sockets.
 */

import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { FrameReader } from './frame-reader.js';
import { RequestMemoryBudget } from './request-memory-budget.js';
import { tlsServerOptions, verifiedPeerCommonName, type TlsSettings } from './tls-listener.js';

export interface ConnectionInfo {
  id: number;
  remoteAddress: string;
  remotePort: number;
  /** Subject CN of a verified TLS client certificate; null on plain TCP or without one. */
  tlsPeerCommonName?: string | null;
  /** Stops reading from the connection for `durationMs` (quota throttling, KIP-219). */
  mute?(durationMs: number): void;
  /** Answers the requests already read, then closes (after a failed authentication). */
  closeAfterResponses?(): void;
}

/**
 * Handles one request frame; resolves with the response frame body (one Buffer, or chunks written
 * in order, so record bytes need not be copied), or null for "no response" (acks=0).
 */
export type FrameHandler = (frame: Buffer, connection: ConnectionInfo) => Promise<Buffer | Buffer[] | null>;

export interface ServerLog {
  warn(message: string, details?: Record<string, unknown>): void;
}

export interface ServerOptions {
  host: string;
  port: number;
  /** socket.request.max.bytes (Kafka default 100 MiB). */
  maxRequestBytes?: number;
  /** max.connections. */
  maxConnections?: number;
  /** connections.max.idle.ms (Kafka default 10 minutes). */
  idleTimeoutMs?: number;
  maxInFlightRequests?: number;
  maxQueuedResponseBytes?: number;
  /** queued.max.request.bytes: broker-wide bound on request bytes being handled (./request-memory-budget.ts). */
  maxQueuedRequestBytes?: number;
  /** A tighter frame limit for some connections (SASL: before authentication); undefined = maxRequestBytes. */
  maxRequestBytesFor?: (connection: ConnectionInfo) => number | undefined;
  /** TLS listener (./tls-listener.ts); plain TCP when absent. */
  tls?: TlsSettings;
  log?: ServerLog;
}

interface ResponseSlot {
  done: boolean;
  response: Buffer[] | null;
  sizeBytes: number;
}

const DEFAULTS = {
  maxRequestBytes: 100 * 1024 * 1024,
  maxConnections: 10_000,
  idleTimeoutMs: 10 * 60 * 1000,
  maxInFlightRequests: 128,
  maxQueuedResponseBytes: 64 * 1024 * 1024,
  maxQueuedRequestBytes: Infinity,
};

/** One client connection: frames in, ordered responses out. */
class ClientConnection {
  private readonly reader: FrameReader;
  private readonly slots: ResponseSlot[] = [];
  private queuedResponseBytes = 0;
  private paused = false;
  private closing = false;
  private mutedUntilMs = 0;
  private muteTimer: NodeJS.Timeout | null = null;
  private readonly wakeOnBudget = (): void => this.maybeResume();
  readonly info: ConnectionInfo;

  constructor(
    private readonly socket: Socket,
    id: number,
    private readonly handler: FrameHandler,
    private readonly limits: typeof DEFAULTS,
    private readonly budget: RequestMemoryBudget,
    private readonly maxRequestBytesFor: ((connection: ConnectionInfo) => number | undefined) | undefined,
    private readonly log: ServerLog,
    private readonly onClosed: (connection: ClientConnection) => void,
  ) {
    this.reader = new FrameReader(limits.maxRequestBytes);
    this.info = {
      id,
      remoteAddress: socket.remoteAddress ?? '?',
      remotePort: socket.remotePort ?? 0,
      tlsPeerCommonName: verifiedPeerCommonName(socket),
      mute: (durationMs) => this.mute(durationMs),
      closeAfterResponses: () => this.shutDown(),
    };
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleTimeoutMs, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.receiveSafely(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', () => undefined); // 'close' follows; a reset by the peer is not our error
    socket.on('close', () => {
      this.budget.cancel(this.wakeOnBudget);
      if (this.muteTimer !== null) clearTimeout(this.muteTimer);
      this.onClosed(this);
    });
  }

  get idle(): boolean {
    return this.slots.length === 0;
  }

  /** A bug in framing must cost this connection, never the process. */
  private receiveSafely(chunk: Buffer): void {
    try {
      this.receive(chunk);
    } catch (error) {
      this.log.warn('closing connection after an internal error while reading it', { remote: `${this.info.remoteAddress}:${this.info.remotePort}`, error: error instanceof Error ? error.message : String(error) });
      this.socket.destroy();
    }
  }

  private receive(chunk: Buffer): void {
    this.reader.push(chunk);
    for (;;) {
      this.maybePause();
      if (this.paused || this.closing) break;
      const maxRequestBytes = Math.min(this.limits.maxRequestBytes, this.maxRequestBytesFor?.(this.info) ?? Infinity);
      const next = this.reader.next(maxRequestBytes);
      if (next.kind === 'need-more') break;
      if (next.kind === 'too-large') {
        this.log.warn('request frame size out of range: closing the connection', { remote: `${this.info.remoteAddress}:${this.info.remotePort}`, sizeBytes: next.sizeBytes, maxRequestBytes });
        this.socket.destroy();
        return;
      }
      this.dispatch(next.frame);
    }
  }

  private dispatch(frame: Buffer): void {
    const slot: ResponseSlot = { done: false, response: null, sizeBytes: 0 };
    this.slots.push(slot);
    this.budget.acquire(frame.length);
    let released = false;
    const release = () => {
      if (!released) this.budget.release(frame.length);
      released = true;
    };
    this.handler(frame, this.info).then(
      (response) => {
        release();
        slot.done = true;
        slot.response = response === null ? null : Array.isArray(response) ? response : [response];
        slot.sizeBytes = slot.response === null ? 0 : slot.response.reduce((sum, chunk) => sum + chunk.length, 0);
        this.queuedResponseBytes += slot.sizeBytes;
        this.flush();
      },
      (error: unknown) => {
        release();
        // A request the dispatcher could not even answer (malformed header): Kafka closes the connection.
        this.log.warn('closing connection after an unanswerable request', { remote: `${this.info.remoteAddress}:${this.info.remotePort}`, error: error instanceof Error ? error.message : String(error) });
        this.socket.destroy();
      },
    );
  }

  /** Writes finished responses from the head of the queue, in request order. */
  private flush(): void {
    while (this.slots.length > 0 && this.slots[0]!.done) {
      const { response, sizeBytes } = this.slots.shift()!;
      if (response === null || this.socket.destroyed) continue;
      const prefix = Buffer.allocUnsafe(4);
      prefix.writeInt32BE(sizeBytes);
      this.socket.cork();
      this.socket.write(prefix);
      for (let index = 0; index < response.length - 1; index++) this.socket.write(response[index]!);
      this.socket.write(response[response.length - 1] ?? Buffer.alloc(0), () => {
        this.queuedResponseBytes -= sizeBytes;
        this.maybeResume();
      });
      this.socket.uncork();
    }
    this.maybeResume();
    if (this.closing && this.idle) this.socket.end();
  }

  private maybePause(): void {
    if (this.paused) return;
    if (this.slots.length >= this.limits.maxInFlightRequests || this.queuedResponseBytes >= this.limits.maxQueuedResponseBytes || this.budget.exhausted || this.muteTimer !== null) {
      this.paused = true;
      this.socket.pause();
      if (this.budget.exhausted) this.budget.whenAvailable(this.wakeOnBudget);
    }
  }

  private maybeResume(): void {
    if (!this.paused || this.closing) return;
    if (this.budget.exhausted) {
      this.budget.whenAvailable(this.wakeOnBudget);
      return;
    }
    if (this.muteTimer !== null) return; // the mute timer resumes
    if (this.slots.length < this.limits.maxInFlightRequests && this.queuedResponseBytes < this.limits.maxQueuedResponseBytes && !this.socket.writableNeedDrain) {
      this.paused = false;
      this.socket.resume();
      this.receiveSafely(Buffer.alloc(0)); // frames that arrived while paused
    }
  }

  /** Reads nothing more for `durationMs`; what was already read is still answered. */
  private mute(durationMs: number): void {
    const until = Date.now() + durationMs;
    if (until <= this.mutedUntilMs) return;
    this.mutedUntilMs = until;
    this.paused = true;
    this.socket.pause();
    if (this.muteTimer !== null) clearTimeout(this.muteTimer);
    this.muteTimer = setTimeout(() => {
      this.muteTimer = null;
      this.maybeResume();
    }, durationMs);
  }

  /** Stops reading; ends the socket once every accepted request has been answered. */
  shutDown(): void {
    this.closing = true;
    this.socket.pause();
    if (this.idle) this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export class KafkaServer {
  private readonly connections = new Set<ClientConnection>();
  private nextConnectionId = 0;

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    /** In-flight request bytes (queued.max.request.bytes); `peak` for tests and metrics. */
    readonly requestMemory: RequestMemoryBudget,
  ) {}

  /** Listens on host:port (port 0 picks a free one; see `port`). */
  static listen(options: ServerOptions, handler: FrameHandler): Promise<KafkaServer> {
    const limits = { ...DEFAULTS, ...definedOnly(options) };
    const log = options.log ?? { warn: () => undefined };
    const budget = new RequestMemoryBudget(limits.maxQueuedRequestBytes);
    let kafkaServer: KafkaServer;
    const accept = (socket: Socket) => {
      const connection = new ClientConnection(socket, kafkaServer.nextConnectionId++, handler, limits, budget, options.maxRequestBytesFor, log, (closed) => kafkaServer.connections.delete(closed));
      kafkaServer.connections.add(connection);
    };
    const server = options.tls === undefined ? createServer(accept) : createTlsServer(tlsServerOptions(options.tls), accept);
    if (options.tls !== undefined) server.on('tlsClientError', () => undefined); // a failed handshake costs only that connection
    server.maxConnections = limits.maxConnections;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        const address = server.address();
        const port = typeof address === 'object' && address !== null ? address.port : options.port;
        kafkaServer = new KafkaServer(server, options.host, port, budget);
        resolve(kafkaServer);
      });
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Graceful: no new connections; in-flight requests finish and are answered; then sockets close. */
  async close(timeoutMs = 10_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.shutDown();
    const deadline = setTimeout(() => {
      for (const connection of this.connections) connection.destroy();
    }, timeoutMs);
    deadline.unref();
    await closed;
    clearTimeout(deadline);
  }
}

function definedOnly(options: ServerOptions): Partial<typeof DEFAULTS> {
  return Object.fromEntries(Object.entries(options).filter(([key, value]) => key in DEFAULTS && value !== undefined)) as Partial<typeof DEFAULTS>;
}
