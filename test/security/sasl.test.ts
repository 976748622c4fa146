// SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) over TLS with unmodified kafkajs, and the refusals a
// raw client sees: a wrong password, an unknown user, a request before authentication.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../src/protocol/messages/api-versions.js';
import { MetadataRequest } from '../../src/protocol/messages/metadata.js';
import { ProduceRequest, ProduceResponse } from '../../src/protocol/messages/produce.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../src/protocol/messages/sasl-authenticate.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../../src/protocol/messages/sasl-handshake.js';
import { StrataServer } from '../../src/protocol/serve.js';
import { addUser } from '../../src/security/credentials-store.js';
import { batchOf } from '../support/batches.js';
import { connected, disconnectAll } from '../support/kafkajs-clients.js';
import { tempDir } from '../support/temp-dir.js';
import { useTestCerts } from './certs.js';
import { RawClient } from './raw-client.js';

const PASSWORD = 'correct horse battery staple';
const testCerts = useTestCerts();

const servers: StrataServer[] = [];
const raws: RawClient[] = [];
afterEach(async () => {
  await disconnectAll();
  for (const raw of raws.splice(0)) raw.close();
  for (const server of servers.splice(0)) await server.close();
});

async function secureServer(options: { tls?: boolean } = {}): Promise<{ server: StrataServer; credentialsFile: string }> {
  const dataDir = tempDir();
  const credentialsFile = join(dataDir, 'users.json');
  await addUser(credentialsFile, 'alice', PASSWORD, ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN']);
  const server = await StrataServer.start({
    host: '127.0.0.1',
    port: 0,
    broker: { dataDir, groupInitialRebalanceDelayMs: 0 },
    security: {
      ...(options.tls === false ? {} : { tls: { certFile: testCerts().serverCert, keyFile: testCerts().serverKey } }),
      sasl: { mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'], credentialsFile },
    },
  });
  servers.push(server);
  return { server, credentialsFile };
}

function kafka(server: StrataServer, sasl: SASLOptions): Kafka {
  return new Kafka({
    clientId: 'sasl-test',
    brokers: [`127.0.0.1:${server.port}`],
    ssl: { ca: [readFileSync(testCerts().caFile)], servername: 'localhost' },
    sasl,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
}

async function produceAndConsume(client: Kafka, topic: string): Promise<string[]> {
  const producer = await connected(client.producer());
  await producer.send({ topic, messages: [{ value: 'one' }, { value: 'two' }, { value: 'three' }] });
  const consumer = await connected(client.consumer({ groupId: `g-${topic}`, maxWaitTimeInMs: 100 }));
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const received: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value!.toString()) });
  const deadline = Date.now() + 30_000;
  while (received.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return received;
}

describe('SASL with kafkajs', () => {
  it('produces and consumes with SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN over TLS', async () => {
    const { server } = await secureServer();
    for (const mechanism of ['scram-sha-256', 'scram-sha-512', 'plain'] as const) {
      const received = await produceAndConsume(kafka(server, { mechanism, username: 'alice', password: PASSWORD } as SASLOptions), `orders-${mechanism}`);
      expect(received, mechanism).toEqual(['one', 'two', 'three']);
    }
  });

  it('refuses a wrong password or an unknown user with an authentication error', async () => {
    const { server } = await secureServer();
    for (const sasl of [
      { mechanism: 'scram-sha-256', username: 'alice', password: 'wrong' },
      { mechanism: 'scram-sha-512', username: 'mallory', password: PASSWORD },
      { mechanism: 'plain', username: 'alice', password: 'wrong' },
    ] as SASLOptions[]) {
      const producer = kafka(server, sasl).producer();
      const failure = await producer.connect().then(() => null, (error: Error) => error);
      expect(failure?.name, JSON.stringify(sasl)).toBe('KafkaJSSASLAuthenticationError');
      await producer.disconnect();
    }
    const deadline = Date.now() + 5_000;
    while (server.server.connectionCount > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.server.connectionCount).toBe(0);
  });
});

describe('SASL on the wire', () => {
  it('answers ApiVersions before authentication but closes the connection on any other request', async () => {
    const { server } = await secureServer({ tls: false });
    const raw = await RawClient.connect(server.port);
    raws.push(raw);
    const versions = await raw.request(ApiVersionsRequest, ApiVersionsResponse, 2, {});
    expect(versions.apiKeys.map((api) => api.apiKey)).toEqual(expect.arrayContaining([17, 36]));
    raw.send(MetadataRequest, 1, { topics: null });
    expect(await raw.nextFrame()).toBeNull();
    expect(await raw.waitClosed()).toBe(true);
  });

  it('closes an unauthenticated connection that announces a frame over 512 KiB; after login large requests are fine', async () => {
    const { server } = await secureServer({ tls: false });
    const stranger = await RawClient.connect(server.port);
    raws.push(stranger);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(1024 * 1024);
    stranger.socket.write(prefix);
    expect(await stranger.waitClosed()).toBe(true);

    const alice = await RawClient.connect(server.port);
    raws.push(alice);
    await alice.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' });
    expect((await alice.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 2, { authBytes: Buffer.from(`\u0000alice\u0000${PASSWORD}`) })).errorCode).toBe(0);
    const produced = await alice.request(ProduceRequest, ProduceResponse, 7, { acks: 1, timeoutMs: 5000, transactionalId: null, topicData: [{ name: 'big', partitionData: [{ index: 0, records: batchOf('b', 2, undefined, 300 * 1024) }] }] });
    expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
  });

  it('answers a wrong PLAIN password with SASL_AUTHENTICATION_FAILED, then closes the connection', async () => {
    const { server } = await secureServer({ tls: false });
    const raw = await RawClient.connect(server.port);
    raws.push(raw);
    const handshake = await raw.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' });
    expect(handshake.errorCode).toBe(0);
    expect(handshake.mechanisms).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN']);
    const answer = await raw.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 2, { authBytes: Buffer.from('\u0000alice\u0000guess') });
    expect(answer.errorCode).toBe(58); // SASL_AUTHENTICATION_FAILED
    expect(answer.errorMessage).toMatch(/Invalid username or password/);
    expect(await raw.waitClosed()).toBe(true);
  });

  it('refuses an unknown mechanism (UNSUPPORTED_SASL_MECHANISM) and a second handshake (ILLEGAL_SASL_STATE)', async () => {
    const { server } = await secureServer({ tls: false });
    const first = await RawClient.connect(server.port);
    raws.push(first);
    expect((await first.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'GSSAPI' })).errorCode).toBe(33);
    expect(await first.waitClosed()).toBe(true);
    const second = await RawClient.connect(server.port);
    raws.push(second);
    const ok = await second.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' });
    expect(ok.errorCode).toBe(0);
    const authenticated = await second.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 2, { authBytes: Buffer.from(`\u0000alice\u0000${PASSWORD}`) });
    expect(authenticated.errorCode).toBe(0);
    expect((await second.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' })).errorCode).toBe(34);
  });

  it('authenticates with SaslHandshake v0 and a raw PLAIN token (the pre-KIP-152 flow)', async () => {
    const { server } = await secureServer({ tls: false });
    const raw = await RawClient.connect(server.port);
    raws.push(raw);
    expect((await raw.request(SaslHandshakeRequest, SaslHandshakeResponse, 0, { mechanism: 'PLAIN' })).errorCode).toBe(0);
    raw.sendRaw(Buffer.from(`\u0000alice\u0000${PASSWORD}`));
    expect((await raw.nextFrame())?.length).toBe(0);
    const versions = await raw.request(ApiVersionsRequest, ApiVersionsResponse, 2, {});
    expect(versions.errorCode).toBe(0);
  });
});

describe('the credentials file', () => {
  it('holds salted, iterated hashes only: no password, mode 0600, a different salt per user', async () => {
    const { credentialsFile } = await secureServer({ tls: false });
    await addUser(credentialsFile, 'bob', PASSWORD, ['SCRAM-SHA-256', 'PLAIN']);
    const text = readFileSync(credentialsFile, 'utf8');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    expect(text).not.toContain(Buffer.from(PASSWORD).toString('hex'));
    expect(statSync(credentialsFile).mode & 0o777).toBe(0o600);
    const users = (JSON.parse(text) as { users: Record<string, Record<string, { salt: string; iterations: number }>> }).users;
    expect(users.alice!['SCRAM-SHA-256']!.iterations).toBeGreaterThanOrEqual(4096);
    expect(users.alice!['SCRAM-SHA-256']!.salt).not.toBe(users.bob!['SCRAM-SHA-256']!.salt);
    expect(users.alice!.PLAIN!.salt).not.toBe(users.bob!.PLAIN!.salt);
  });
});
