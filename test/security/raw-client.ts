// A bare Kafka-protocol client for security tests: sends encoded requests over TCP or TLS, reads
// whole response frames, and tells when the server closed the connection.
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { MessageInput, MessageSchema } from '../../src/protocol/wire/schema.js';
import { decodeResponse, encodeRequest } from '../../src/protocol/wire/headers.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../src/protocol/messages/sasl-authenticate.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../../src/protocol/messages/sasl-handshake.js';

export class RawClient {
  private pending = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiter: (() => void) | null = null;
  private correlationId = 0;
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 4 && this.pending.length >= 4 + this.pending.readInt32BE(0)) {
        this.frames.push(this.pending.subarray(4, 4 + this.pending.readInt32BE(0)));
        this.pending = this.pending.subarray(4 + this.pending.readInt32BE(0));
      }
      this.waiter?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  static async connect(port: number, tls?: { ca: Buffer }): Promise<RawClient> {
    const socket = tls === undefined ? connectTcp(port, '127.0.0.1') : connectTls({ port, host: '127.0.0.1', ca: tls.ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      socket.once(tls === undefined ? 'connect' : 'secureConnect', () => resolve());
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  sendRaw(body: Buffer): void {
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(body.length);
    this.socket.write(Buffer.concat([prefix, body]));
  }

  send<T>(schema: MessageSchema<T>, apiVersion: number, body: MessageInput<T>, clientId = 'raw'): void {
    this.sendRaw(encodeRequest(schema, apiVersion, { correlationId: this.correlationId++, clientId }, body));
  }

  /** The next response frame, or null when the connection closed first. */
  async nextFrame(timeoutMs = 10_000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0 && !this.closed) {
      if (Date.now() > deadline) throw new Error('no response in time');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 50);
      });
      this.waiter = null;
    }
    return this.frames.shift() ?? null;
  }

  async request<Req, Res>(request: MessageSchema<Req>, response: MessageSchema<Res>, apiVersion: number, body: MessageInput<Req>, clientId?: string): Promise<Res> {
    this.send(request, apiVersion, body, clientId);
    const frame = await this.nextFrame();
    if (frame === null) throw new Error('connection closed instead of a response');
    return decodeResponse(response, apiVersion, frame).body;
  }

  /** SaslHandshake v1 + SaslAuthenticate with PLAIN; throws unless both succeed. */
  async loginPlain(user: string, password: string): Promise<void> {
    const handshake = await this.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' });
    const login = await this.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 2, { authBytes: Buffer.from(`\u0000${user}\u0000${password}`) });
    if (handshake.errorCode !== 0 || login.errorCode !== 0) throw new Error(`PLAIN login of ${user} failed (${handshake.errorCode}, ${login.errorCode})`);
  }

  /** Resolves true once the server has closed the connection (false after `timeoutMs`). */
  async waitClosed(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
