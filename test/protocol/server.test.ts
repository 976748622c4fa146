import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaServer, type FrameHandler } from '../../src/protocol/server.js';

const servers: KafkaServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close(1_000);
});

async function start(handler: FrameHandler, options: Partial<Parameters<typeof KafkaServer.listen>[0]> = {}): Promise<KafkaServer> {
  const server = await KafkaServer.listen({ host: '127.0.0.1', port: 0, ...options }, handler);
  servers.push(server);
  return server;
}

function frame(body: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(body.length);
  return Buffer.concat([prefix, body]);
}

/** Connects and collects whole response frames. */
async function client(port: number): Promise<{ socket: Socket; responses: Buffer[]; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const responses: Buffer[] = [];
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      responses.push(pending.subarray(4, 4 + pending.readInt32BE(0)));
      pending = pending.subarray(4 + pending.readInt32BE(0));
    }
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, responses, closed };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('KafkaServer framing and ordering', () => {
  it('answers pipelined requests in request order even when they finish out of order', async () => {
    const server = await start(async (request) => {
      const delayMs = request.readUInt8(0);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return Buffer.from(request);
    });
    const { socket, responses } = await client(server.port);
    const delays = [40, 1, 20, 0, 30];
    socket.write(Buffer.concat(delays.map((delayMs, index) => frame(Buffer.from([delayMs, index])))));
    await until(() => responses.length === 5);
    expect(responses.map((response) => response[1])).toEqual([0, 1, 2, 3, 4]);
    socket.destroy();
  });

  it('reassembles frames split at every byte, and skips requests that get no response', async () => {
    const server = await start(async (request) => (request[0] === 0 ? null : Buffer.from(request)));
    const { socket, responses } = await client(server.port);
    const bytes = Buffer.concat([frame(Buffer.from([1, 10])), frame(Buffer.from([0])), frame(Buffer.from([2, 20, 30]))]);
    for (const byte of bytes) {
      socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => responses.length === 2);
    expect(responses.map((response) => [...response])).toEqual([[1, 10], [2, 20, 30]]);
    socket.destroy();
  });

  it('closes a connection whose frame is larger than the limit or negative, without allocating it', async () => {
    const server = await start(async (request) => Buffer.from(request), { maxRequestBytes: 1024 });
    for (const size of [2_000_000_000, -5]) {
      const { socket, closed } = await client(server.port);
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(size);
      socket.write(prefix);
      await closed;
    }
    const { socket, responses } = await client(server.port); // the server still serves others
    socket.write(frame(Buffer.from([7])));
    await until(() => responses.length === 1);
    socket.destroy();
  });

  it('a zero-length frame reaches the handler (which refuses it) without crashing the server', async () => {
    const server = await start(async (request) => {
      if (request.length === 0) throw new Error('empty request');
      return Buffer.from(request);
    });
    const empty = await client(server.port);
    empty.socket.write(Buffer.from([0, 0, 0, 0]));
    await empty.closed;
    const { socket, responses } = await client(server.port);
    socket.write(frame(Buffer.from([1])));
    await until(() => responses.length === 1);
    socket.destroy();
  });

  it('stops reading a connection with too many requests in flight (backpressure)', async () => {
    const release: (() => void)[] = [];
    let started = 0;
    const server = await start(async (request) => {
      started++;
      await new Promise<void>((resolve) => release.push(resolve));
      return Buffer.from(request);
    }, { maxInFlightRequests: 4 });
    const { socket, responses } = await client(server.port);
    socket.write(Buffer.concat(Array.from({ length: 20 }, (_, index) => frame(Buffer.from([index])))));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(started).toBe(4);
    while (responses.length < 20) {
      release.splice(0).forEach((resume) => resume());
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(started).toBe(20);
    expect(responses.map((response) => response[0])).toEqual(Array.from({ length: 20 }, (_, index) => index));
    socket.destroy();
  });

  it('closes idle connections after the idle timeout, and refuses connections past the limit', async () => {
    const idle = await start(async (request) => Buffer.from(request), { idleTimeoutMs: 100 });
    const quiet = await client(idle.port);
    const started = Date.now();
    await quiet.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(80);

    const limited = await start(async (request) => Buffer.from(request), { maxConnections: 1 });
    const first = await client(limited.port);
    await until(() => limited.connectionCount === 1);
    const second = await client(limited.port);
    await second.closed; // the kernel accepted it; the server dropped it at once
    first.socket.write(frame(Buffer.from([3])));
    await until(() => first.responses.length === 1);
    first.socket.destroy();
  });

  it('graceful close answers in-flight requests before closing', async () => {
    const server = await KafkaServer.listen({ host: '127.0.0.1', port: 0 }, async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return Buffer.from(request);
    });
    const { socket, responses, closed } = await client(server.port);
    socket.write(frame(Buffer.from([9])));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await server.close();
    await closed;
    expect(responses.map((response) => response[0])).toEqual([9]);
  });
});
