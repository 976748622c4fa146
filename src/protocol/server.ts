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
import { FrameReader } from './frame-reader.js';

export interface ConnectionInfo {
  id: number;
  remoteAddress: string;
  remotePort: number;
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
};

/** One client connection: frames in, ordered responses out. */
class ClientConnection {
  private readonly reader: FrameReader;
  private readonly slots: ResponseSlot[] = [];
  private queuedResponseBytes = 0;
  private paused = false;
  private closing = false;
  readonly info: ConnectionInfo;

  constructor(
    private readonly socket: Socket,
    id: number,
    private readonly handler: FrameHandler,
    private readonly limits: typeof DEFAULTS,
    private readonly log: ServerLog,
    private readonly onClosed: (connection: ClientConnection) => void,
  ) {
    this.reader = new FrameReader(limits.maxRequestBytes);
    this.info = { id, remoteAddress: socket.remoteAddress ?? '?', remotePort: socket.remotePort ?? 0 };
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleTimeoutMs, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.receiveSafely(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', () => undefined); // 'close' follows; a reset by the peer is not our error
    socket.on('close', () => this.onClosed(this));
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
      const next = this.reader.next();
      if (next.kind === 'need-more') break;
      if (next.kind === 'too-large') {
        this.log.warn('request frame size out of range: closing the connection', { remote: `${this.info.remoteAddress}:${this.info.remotePort}`, sizeBytes: next.sizeBytes, maxRequestBytes: this.limits.maxRequestBytes });
        this.socket.destroy();
        return;
      }
      this.dispatch(next.frame);
    }
  }

  private dispatch(frame: Buffer): void {
    const slot: ResponseSlot = { done: false, response: null, sizeBytes: 0 };
    this.slots.push(slot);
    this.handler(frame, this.info).then(
      (response) => {
        slot.done = true;
        slot.response = response === null ? null : Array.isArray(response) ? response : [response];
        slot.sizeBytes = slot.response === null ? 0 : slot.response.reduce((sum, chunk) => sum + chunk.length, 0);
        this.queuedResponseBytes += slot.sizeBytes;
        this.flush();
      },
      (error: unknown) => {
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
    if (this.slots.length >= this.limits.maxInFlightRequests || this.queuedResponseBytes >= this.limits.maxQueuedResponseBytes) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private maybeResume(): void {
    if (!this.paused || this.closing) return;
    if (this.slots.length < this.limits.maxInFlightRequests && this.queuedResponseBytes < this.limits.maxQueuedResponseBytes && !this.socket.writableNeedDrain) {
      this.paused = false;
      this.socket.resume();
      this.receiveSafely(Buffer.alloc(0)); // frames that arrived while paused
    }
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
  ) {}

  /** Listens on host:port (port 0 picks a free one; see `port`). */
  static listen(options: ServerOptions, handler: FrameHandler): Promise<KafkaServer> {
    const limits = { ...DEFAULTS, ...definedOnly(options) };
    const log = options.log ?? { warn: () => undefined };
    let kafkaServer: KafkaServer;
    const server = createServer((socket) => {
      const connection = new ClientConnection(socket, kafkaServer.nextConnectionId++, handler, limits, log, (closed) => kafkaServer.connections.delete(closed));
      kafkaServer.connections.add(connection);
    });
    server.maxConnections = limits.maxConnections;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        const address = server.address();
        const port = typeof address === 'object' && address !== null ? address.port : options.port;
        kafkaServer = new KafkaServer(server, options.host, port);
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
