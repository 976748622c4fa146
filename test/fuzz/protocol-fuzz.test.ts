// Protocol fuzzing against a live `strata serve` child (issue 8): fast-check sessions of hostile
// frames (./frame-arbitraries.ts), each on its own connection, then an ApiVersions probe behind
// them. Whatever is sent, the process stays up, a concurrent well-behaved connection keeps being
// answered, and the server's RSS stays bounded. STRATA_FUZZ_FRAMES (default 8,000, ~20 s) sets the
// frames sent, STRATA_FUZZ_SEED the seed; `npm run test:fuzz -- --frames 1000000` is the long run.
import { connect } from 'node:net';
import fc from 'fast-check';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../src/protocol/messages/api-versions.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/messages/metadata.js';
import { encodeRequest } from '../../src/protocol/wire/headers.js';
import { ensureBuilt, startServe, type ServeChild } from '../support/serve-child.js';
import { tempDir } from '../support/temp-dir.js';
import { connectTo, readPartition } from '../../bench/wire-client.js';
import { framed, FUZZ_TOPIC, PROBE, PROBE_CORRELATION_ID, sessionArbitrary, validRequests, type FuzzSession } from './frame-arbitraries.js';

const FRAMES = Number(process.env.STRATA_FUZZ_FRAMES ?? 8_000);
const SEED = Number(process.env.STRATA_FUZZ_SEED ?? Date.now() % 0x7fffffff);
/** How long a session may stay open waiting for the server (a frame it is still waiting for). */
const SESSION_TIMEOUT_MS = 300;
/** Server RSS may grow this much over its size after warm-up, whatever it is sent. */
const RSS_GROWTH_LIMIT_BYTES = 256 * 1024 * 1024;
const CONCURRENT_SESSIONS = 32;
const PROGRESS_EVERY_FRAMES = 100_000;
/** Longer than any answer a busy machine takes; a server stalled by a frame takes longer. */
const WELL_BEHAVED_TIMEOUT_MS = 15_000;

let server: ServeChild;

beforeAll(async () => {
  ensureBuilt();
  // Auto-creation off: a mutated topic name must not turn into a new topic (and new files) per frame.
  server = await startServe(tempDir('strata-fuzz-'), { 'auto.create.topics.enable': 'false' });
  const admin = new Kafka({ clientId: 'fuzz', brokers: [`127.0.0.1:${server.port}`], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: FUZZ_TOPIC, numPartitions: 2 }] });
  await admin.disconnect();
}, 180_000);

afterAll(async () => {
  await server?.kill();
});

/** Writes a session on a new connection; resolves when the probe behind it is answered, the server closes, or the timeout passes. */
function sendSession(port: number, session: FuzzSession): Promise<'answered' | 'closed' | 'timeout' | 'abandoned'> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (outcome: 'answered' | 'closed' | 'timeout' | 'abandoned') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish('timeout'), SESSION_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // Skip whole responses until one carries the probe's correlation id.
      while (received.length >= 8 && received.length >= 4 + received.readInt32BE(0)) {
        if (received.readInt32BE(4) === PROBE_CORRELATION_ID) return finish('answered');
        received = received.subarray(4 + received.readInt32BE(0));
      }
    });
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('closed'));
    // A session ending in an incomplete frame is abandoned once written: the server would wait.
    if (session.open) socket.write(session.bytes, () => finish('abandoned'));
    else socket.write(Buffer.concat([session.bytes, PROBE]));
  });
}

/** `promise`, or an error once the server has not answered for WELL_BEHAVED_TIMEOUT_MS (a stalled server fails the test instead of hanging it). */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} not answered within ${WELL_BEHAVED_TIMEOUT_MS} ms`)), WELL_BEHAVED_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A well-behaved client on its own connection, asking ApiVersions and Metadata in a loop until stopped. */
function startWellBehavedClient(port: number): { stop(): Promise<{ answered: number; errors: string[]; maxLatencyMs: number }> } {
  const errors: string[] = [];
  let answered = 0;
  let maxLatencyMs = 0;
  let running = true;
  const loop = (async () => {
    const client = await connectTo(port);
    try {
      while (running) {
        const startMs = performance.now();
        const versions = await within(client.request({ request: ApiVersionsRequest, response: ApiVersionsResponse }, 3, { clientSoftwareName: 'probe', clientSoftwareVersion: '1' }), 'ApiVersions');
        const metadata = await within(client.request({ request: MetadataRequest, response: MetadataResponse }, 9, { topics: [{ name: FUZZ_TOPIC }], allowAutoTopicCreation: false }), 'Metadata');
        if (versions.errorCode !== 0) errors.push(`ApiVersions error ${versions.errorCode}`);
        if (metadata.topics[0]?.errorCode !== 0 || metadata.topics[0]?.partitions.length !== 2) errors.push(`Metadata: ${JSON.stringify(metadata.topics[0]?.errorCode)}`);
        maxLatencyMs = Math.max(maxLatencyMs, performance.now() - startMs);
        answered++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } catch (error) {
      errors.push(`the well-behaved connection failed: ${(error as Error).message}`);
    } finally {
      await client.close();
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { answered, errors, maxLatencyMs };
    },
  };
}

function startRssSampler(child: ServeChild): { stop(): number } {
  let peakBytes = child.rssBytes();
  const timer = setInterval(() => {
    if (child.child.exitCode === null) peakBytes = Math.max(peakBytes, child.rssBytes());
  }, 100);
  return {
    stop: () => {
      clearInterval(timer);
      return peakBytes;
    },
  };
}

describe('protocol fuzzing against a live server', () => {
  it(`${FRAMES} fuzzed frames: the process stays up, a well-behaved connection is served throughout, RSS stays bounded`, async () => {
    const requests = validRequests();
    // Warm-up: every valid request once, so lazily built state (plans, groups, files) is in the baseline.
    for (const request of requests) await sendSession(server.port, { bytes: framed(request), frames: 1, open: false });
    const baselineRssBytes = server.rssBytes();
    const rss = startRssSampler(server);
    const wellBehaved = startWellBehavedClient(server.port);
    const outcomes = { answered: 0, closed: 0, timeout: 0, abandoned: 0 };
    const inFlight = new Set<Promise<void>>();
    let frames = 0;
    let sessions = 0;
    const startMs = performance.now();
    for (let round = 0; frames < FRAMES; round++) {
      await fc.assert(
        fc.asyncProperty(sessionArbitrary(requests), async (session) => {
          if (Math.floor((frames + session.frames) / PROGRESS_EVERY_FRAMES) > Math.floor(frames / PROGRESS_EVERY_FRAMES)) {
            console.log(`fuzz: ${frames + session.frames} frames, server RSS ${(server.rssBytes() / 2 ** 20).toFixed(0)} MiB`);
          }
          frames += session.frames;
          sessions++;
          // Up to CONCURRENT_SESSIONS connections at once, as many clients would: wait only when full.
          const sent = sendSession(server.port, session).then((outcome) => {
            outcomes[outcome]++;
            inFlight.delete(sent);
          });
          inFlight.add(sent);
          if (inFlight.size >= CONCURRENT_SESSIONS) await Promise.race(inFlight);
          if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`the server died: ${server.output().slice(-2000)}`);
        }),
        { numRuns: Math.max(1, Math.ceil((FRAMES - frames) / 4)), seed: SEED + round, endOnFailure: true },
      );
    }
    await Promise.all(inFlight);
    const seconds = (performance.now() - startMs) / 1000;
    const served = await wellBehaved.stop();
    const peakRssBytes = rss.stop();
    console.log(
      `fuzz (seed ${SEED}): ${frames} frames in ${sessions} sessions in ${seconds.toFixed(1)} s; crashes 0; ` +
        `probe answered ${outcomes.answered}, closed by the server ${outcomes.closed}, left waiting ${outcomes.timeout}, incomplete frames abandoned ${outcomes.abandoned}; ` +
        `well-behaved client: ${served.answered} round trips, max ${served.maxLatencyMs.toFixed(0)} ms; ` +
        `server RSS ${(baselineRssBytes / 2 ** 20).toFixed(0)} MiB after warm-up, peak ${(peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    expect(served.errors).toEqual([]);
    expect(served.answered).toBeGreaterThan(0);
    expect(outcomes.answered, 'some sessions were valid enough to be answered').toBeGreaterThan(0);
    expect(outcomes.closed, 'malformed frames close their connection').toBeGreaterThan(0);
    expect(peakRssBytes - baselineRssBytes).toBeLessThan(RSS_GROWTH_LIMIT_BYTES);
    // Still serving a fresh connection, and still serving data.
    const client = await connectTo(server.port);
    const { highWatermark } = await readPartition(client, FUZZ_TOPIC, 0);
    expect(highWatermark).toBeGreaterThanOrEqual(0);
    await client.close();
  }, Math.max(120_000, FRAMES * 20));

  it('slowloris: frames sent a byte at a time are answered, and 100 stalled connections do not stop others', async () => {
    const request = framed(encodeRequest(ApiVersionsRequest, 0, { correlationId: 9, clientId: null }, {}));
    const stalled = await Promise.all(
      Array.from({ length: 100 }, () => new Promise<ReturnType<typeof connect>>((resolve) => {
        const socket = connect(server.port, '127.0.0.1', () => {
          socket.write(request.subarray(0, 1 + (socket.localPort ?? 0) % (request.length - 1))); // part of a frame, then nothing
          resolve(socket);
        });
        socket.on('error', () => undefined);
      })),
    );
    const wellBehaved = startWellBehavedClient(server.port);
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
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect((await response).readInt32BE(4)).toBe(9);
    socket.destroy();
    const served = await wellBehaved.stop();
    expect(served.errors).toEqual([]);
    expect(served.answered).toBeGreaterThan(0);
    for (const stalledSocket of stalled) stalledSocket.destroy();
  });
});
