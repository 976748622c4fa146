// Whatever a client sends, the server keeps serving: a malformed request closes that connection
// only, and other connections are answered. (The long fuzz run is issue 8's; this is the CI slice.)
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_APIS } from '../../src/protocol/apis/index.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../src/protocol/messages/api-versions.js';
import { StrataServer } from '../../src/protocol/serve.js';
import { decodeResponse, encodeRequest } from '../../src/protocol/wire/headers.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let server: StrataServer;
let dataDir: string;
const warnings: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'strata-fuzz-')); // lives for the whole file
  server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir }, log: { warn: (message) => warnings.push(message) } });
});

afterAll(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Sends raw bytes on a new connection; resolves with what came back before the server closed it or 200 ms passed. */
function exchange(bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = connect(server.port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    const timer = setTimeout(finish, 200);
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    socket.on('close', finish);
    socket.on('error', finish);
    socket.write(bytes);
  });
}

function framed(body: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(body.length);
  return Buffer.concat([prefix, body]);
}

async function stillServes(): Promise<void> {
  const response = await exchange(framed(encodeRequest(ApiVersionsRequest, 3, { correlationId: 77, clientId: 'probe' }, { clientSoftwareName: 'probe', clientSoftwareVersion: '1' })));
  const decoded = decodeResponse(ApiVersionsResponse, 3, response.subarray(4));
  expect(decoded.correlationId).toBe(77);
  expect(decoded.body.errorCode).toBe(0);
}

describe('protocol robustness', () => {
  it('random bytes, mutated requests, huge and negative counts: the process stays up and serves others', async () => {
    const validRequest = encodeRequest(ApiVersionsRequest, 3, { correlationId: 1, clientId: 'x' }, { clientSoftwareName: 'a', clientSoftwareVersion: 'b' });
    const apiKeys = ALL_APIS.map((api) => api.request.apiKey as number);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
          fc.tuple(fc.constantFrom(...apiKeys, 99, -1), fc.integer({ min: -1, max: 20 }), fc.uint8Array({ maxLength: 48 })).map(([apiKey, version, rest]) => {
            const header = Buffer.alloc(8);
            header.writeInt16BE(apiKey, 0);
            header.writeInt16BE(version, 2);
            header.writeInt32BE(5, 4);
            return Buffer.concat([header, Buffer.from(rest)]);
          }),
          fc.tuple(fc.nat(validRequest.length - 1), fc.integer({ min: 0, max: 255 })).map(([where, value]) => {
            const mutated = Buffer.from(validRequest);
            mutated[where] = value;
            return mutated;
          }),
          fc.constant(Buffer.from([0, 3, 0, 1, 0, 0, 0, 9, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff])), // Metadata v1 with a huge topic count
        ),
        async (body) => {
          await exchange(framed(body));
        },
      ),
      { numRuns: 150 },
    );
    await stillServes();
  }, 60_000);

  it('a slowloris frame (one byte at a time) is reassembled and answered', async () => {
    const request = framed(encodeRequest(ApiVersionsRequest, 0, { correlationId: 9, clientId: null }, {}));
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const response = new Promise<Buffer>((resolve) => {
      let received = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) resolve(received);
      });
    });
    for (const byte of request) {
      socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect((await response).readInt32BE(4)).toBe(9);
    socket.destroy();
  });
});
