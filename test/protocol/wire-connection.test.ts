import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../src/protocol/messages/api-versions.js';
import { StrataServer } from '../../src/protocol/serve.js';
import { WireConnection, WireConnectionError } from '../../src/protocol/wire-connection.js';
import { encodeResponse } from '../../src/protocol/wire/headers.js';
import { tempDir } from '../support/temp-dir.js';

const API_VERSIONS = { request: ApiVersionsRequest, response: ApiVersionsResponse };
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A raw TCP server that hands every connection's first request frame to `answer`. */
async function rawServer(answer: (socket: Socket, correlationId: number) => void): Promise<string> {
  const server = createServer((socket) => {
    socket.once('data', (chunk: Buffer) => answer(socket, chunk.readInt32BE(4 + 4)));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

function options(requestTimeoutMs = 5_000) {
  return { clientId: 'test', connectTimeoutMs: 5_000, requestTimeoutMs, maxResponseBytes: 1024 };
}

function sizePrefixed(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

async function failureOf(promise: Promise<unknown>): Promise<WireConnectionError> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(WireConnectionError);
  return error as WireConnectionError;
}

describe('WireConnection', () => {
  it('pipelines requests to strata serve and matches each response to its request', async () => {
    const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir: tempDir('wire-connection-') } });
    try {
      const connection = await WireConnection.connect(`127.0.0.1:${server.port}`, { ...options(), maxResponseBytes: 1 << 20 });
      const responses = await Promise.all([0, 1, 2, 3].map((version) => connection.request(API_VERSIONS, version, { clientSoftwareName: 'test', clientSoftwareVersion: '1' })));
      for (const response of responses) {
        expect(response.errorCode).toBe(0);
        expect(response.apiKeys.some((api) => api.apiKey === 0)).toBe(true);
      }
      await connection.close();
      await expect(connection.request(API_VERSIONS, 0, {})).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    } finally {
      await server.close();
    }
  });

  it('refuses an address that is not host:port, and says when nothing listens there', async () => {
    expect((await failureOf(WireConnection.connect('localhost', options()))).code).toBe('INVALID_ADDRESS');
    const address = await rawServer(() => undefined);
    servers.pop()!.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await failureOf(WireConnection.connect(address, options()));
    expect(refused.code).toBe('CONNECTION_REFUSED');
    expect(refused.message).toContain(address);
  });

  it('times out a request the server never answers', async () => {
    const connection = await WireConnection.connect(await rawServer(() => undefined), options(200));
    const failure = await failureOf(connection.request(API_VERSIONS, 0, {}));
    expect(failure.code).toBe('TIMED_OUT');
    expect(failure.message).toMatch(/ApiVersionsRequest .* no answer within 200 ms/);
    await connection.close();
  });

  it('fails every pending request on a response that answers no request or is too large', async () => {
    const stray = await WireConnection.connect(await rawServer((socket, correlationId) => socket.write(sizePrefixed(encodeResponse(ApiVersionsResponse, 0, correlationId + 100, { errorCode: 0, apiKeys: [] })))), options());
    expect((await failureOf(stray.request(API_VERSIONS, 0, {}))).code).toBe('BAD_RESPONSE');
    const huge = await WireConnection.connect(await rawServer((socket) => socket.write(Buffer.from([0, 1, 0, 0]))), options());
    const failure = await failureOf(huge.request(API_VERSIONS, 0, {}));
    expect(failure.code).toBe('BAD_RESPONSE');
    expect(failure.message).toContain('65536 bytes (at most 1024)');
  });

  it('fails pending requests when the server closes the connection', async () => {
    const connection = await WireConnection.connect(await rawServer((socket) => socket.destroy()), options());
    expect((await failureOf(connection.request(API_VERSIONS, 0, {}))).code).toBe('CONNECTION_CLOSED');
  });
});
