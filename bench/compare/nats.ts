/**
 * NATS JetStream peer: Debian's nats-server with JetStream (`-js`, file storage in a temporary
 * directory, `-sd`), started here on a free loopback port and stopped by pid afterwards; the
 * client is the `nats` npm package (loaded only if installed). One stream with file storage per
 * workload, one subject.
 *
 *   produce   js.publish(subject, value): async publish, each awaiting its PubAck, at most
 *             PUBLISHES_IN_FLIGHT outstanding (a window; the oldest is awaited when it is full).
 *   consume   an ordered consumer (`js.consumers.get(stream)`, consume()) from the first message.
 *   latency   js.publish of each paced record; an ordered consumer on the stream.
 */

import { freePort, startPeer, withPeer, type PeerProcess } from './peer-process.js';
import type { Transfer } from '../measure.js';
import type { EndToEndSystem } from './latency.js';
import { checkReadBack, secondsSince, transferOf, type Workload } from './workload.js';

const PUBLISHES_IN_FLIGHT = 1000;

export const NATS_SERVER = process.env.STRATA_BENCH_NATS_SERVER ?? 'nats-server';

/** The parts of the `nats` package the bench uses (its own types are not needed to build Strata). */
export interface NatsModule {
  connect(options: { servers: string }): Promise<NatsConnection>;
  StorageType: { File: unknown };
}
interface NatsConnection {
  jetstreamManager(): Promise<{ streams: { add(config: Record<string, unknown>): Promise<unknown>; delete(name: string): Promise<unknown> } }>;
  jetstream(): JetStream;
  drain(): Promise<void>;
}
interface JetStream {
  publish(subject: string, data: Uint8Array): Promise<{ seq: number }>;
  consumers: { get(stream: string): Promise<{ consume(): Promise<AsyncIterable<{ data: Uint8Array }> & { stop(): void }> }> };
}

export interface NatsPeer {
  process: PeerProcess;
  connection: NatsConnection;
  nats: NatsModule;
}

export async function withNats<T>(nats: NatsModule, executable: string, directory: string, body: (peer: NatsPeer) => Promise<T>): Promise<T> {
  const port = await freePort();
  return withPeer(
    () => startPeer(executable, ['-js', '-sd', directory, '-a', '127.0.0.1', '-p', String(port)], /Server is ready/),
    async (process) => {
      const connection = await nats.connect({ servers: `127.0.0.1:${port}` });
      try {
        return await body({ process, connection, nats });
      } finally {
        await connection.drain();
      }
    },
  );
}

async function addStream(peer: NatsPeer, stream: string): Promise<void> {
  const manager = await peer.connection.jetstreamManager();
  await manager.streams.add({ name: stream, subjects: [`${stream}.records`], storage: peer.nats.StorageType.File });
}

async function deleteStream(peer: NatsPeer, stream: string): Promise<void> {
  await (await peer.connection.jetstreamManager()).streams.delete(stream);
}

export async function natsProduce(peer: NatsPeer, stream: string, workload: Workload): Promise<Transfer> {
  await addStream(peer, stream);
  const js = peer.connection.jetstream();
  const subject = `${stream}.records`;
  const window: Promise<{ seq: number }>[] = [];
  let last = 0;
  const start = performance.now();
  for (let index = 0; index < workload.records; index++) {
    window.push(js.publish(subject, workload.values[index % workload.values.length]!));
    if (window.length >= PUBLISHES_IN_FLIGHT) last = (await window.shift()!).seq;
  }
  for (const ack of await Promise.all(window)) last = ack.seq;
  const seconds = secondsSince(start);
  if (last !== workload.records) throw new Error(`nats: last PubAck seq ${last}, expected ${workload.records}`);
  return transferOf(workload, seconds);
}

export async function natsConsume(peer: NatsPeer, stream: string, workload: Workload): Promise<Transfer> {
  const js = peer.connection.jetstream();
  let records = 0;
  let bytes = 0;
  const start = performance.now();
  const consumer = await js.consumers.get(stream);
  const messages = await consumer.consume();
  for await (const message of messages) {
    bytes += message.data.length;
    if (++records >= workload.records) break;
  }
  messages.stop();
  const seconds = secondsSince(start);
  checkReadBack('nats ordered consumer', workload, records, bytes);
  await deleteStream(peer, stream);
  return transferOf(workload, seconds);
}

export function natsEndToEnd(peer: NatsPeer, stream: string): EndToEndSystem {
  return {
    name: 'NATS JetStream publish → ordered consumer',
    async open(onValue) {
      await addStream(peer, stream);
      const js = peer.connection.jetstream();
      const messages = await (await js.consumers.get(stream)).consume();
      const reading = (async () => {
        for await (const message of messages) onValue(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength));
      })();
      return {
        send: (values) => Promise.all(values.map((value) => js.publish(`${stream}.records`, value))),
        async close() {
          messages.stop();
          await reading;
          await deleteStream(peer, stream);
        },
      };
    },
  };
}
