/**
 * Strata over the Kafka wire protocol: `strata serve` (dist/src/cli/main.js) as a child process on
 * a loopback port with its own temporary data directory, stopped by pid afterwards.
 *
 *   produce kcat     `kcat -P -l <file>` (one record per line), `-X linger.ms=5
 *                    -X batch.num.messages=10000`, acks -1 (librdkafka's default: fsynced) and 1;
 *                    timed from spawn to exit (kcat exits once every record is acknowledged).
 *   produce minimal  the bench's minimal client (one socket, Produce v7 encoded with Strata's own
 *                    codec, 1,000 records per request, 8 requests in flight), acks=1: the server's
 *                    limit with a client that costs little.
 *   consume kcat     `kcat -C -e -o beginning -f '%s\n'` to /dev/null, fetch.wait.max.ms=10 (so the
 *                    end is seen without an idle long poll).
 *   latency          the minimal client (acks=1) → `kcat -C -u` (unbuffered) printing each value;
 *                    the send time is the first 20 characters of each line.
 */

import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Transfer } from '../measure.js';
import { MinimalProducer } from '../minimal-producer.js';
import type { EndToEndSystem } from './latency.js';
import { startPeer, trackChild, withPeer, type PeerProcess } from './peer-process.js';
import { DISTINCT_VALUES, secondsSince, transferOf, type Workload } from './workload.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const KCAT = process.env.KCAT ?? 'kcat';
const KCAT_PRODUCE_OPTIONS = ['-X', 'linger.ms=5', '-X', 'batch.num.messages=10000'];
const KCAT_CONSUME_OPTIONS = ['-X', 'fetch.wait.max.ms=10'];
const MINIMAL_REQUESTS_IN_FLIGHT = 8;

export interface StrataServer {
  process: PeerProcess;
  port: number;
  admin: Admin;
}

export async function withStrataServer<T>(dataDir: string, body: (server: StrataServer) => Promise<T>): Promise<T> {
  return withPeer(
    () => startPeer(process.execPath, [CLI, 'serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0'], /listening on 127\.0\.0\.1:\d+/),
    async (peer) => {
      const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(peer.output())![1]);
      const admin = new Kafka({ clientId: 'strata-bench-compare', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        return await body({ process: peer, port, admin });
      } finally {
        await admin.disconnect();
      }
    },
  );
}

async function createTopic(server: StrataServer, topic: string): Promise<void> {
  if (!(await server.admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true }))) throw new Error(`topic ${topic} already exists`);
}

async function endOffset(server: StrataServer, topic: string): Promise<number> {
  const offsets = await server.admin.fetchTopicOffsets(topic);
  return Number(offsets.find((entry) => entry.partition === 0)?.high ?? -1);
}

/** The workload as kcat -P -l input: one value per line. */
export function writeRecordFile(path: string, workload: Workload): void {
  const block = Buffer.concat(workload.values.flatMap((value) => [value, Buffer.from('\n')]));
  const fd = openSync(path, 'w');
  try {
    for (let index = 0; index < workload.records / DISTINCT_VALUES; index++) {
      for (let written = 0; written < block.length; ) written += writeSync(fd, block, written, block.length - written);
    }
  } finally {
    closeSync(fd);
  }
}

/** Runs kcat to completion (stdout to /dev/null); seconds from spawn to exit, and its stderr. */
function runKcat(args: readonly string[]): Promise<{ seconds: number; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const start = performance.now();
    const child = spawn(KCAT, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    trackChild(child);
    let stderr = '';
    let seconds = 0;
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => reject(new Error(`kcat could not run: ${error.message}`)));
    child.once('exit', () => (seconds = secondsSince(start)));
    child.once('close', (code, signal) => (code === 0 ? resolveRun({ seconds, stderr }) : reject(new Error(`kcat ${args.join(' ')} exited with ${code ?? signal}: ${stderr}`))));
  });
}

export async function kcatProduce(server: StrataServer, topic: string, file: string, workload: Workload, acks: 1 | -1): Promise<Transfer> {
  await createTopic(server, topic);
  const run = await runKcat(['-P', '-b', `127.0.0.1:${server.port}`, '-t', topic, '-l', file, ...KCAT_PRODUCE_OPTIONS, '-X', `acks=${acks}`]);
  if (/fail|error/i.test(run.stderr)) throw new Error(`kcat -P reported: ${run.stderr}`);
  const end = await endOffset(server, topic);
  if (end !== workload.records) throw new Error(`kcat -P to ${topic}: log end offset ${end}, expected ${workload.records}`);
  return transferOf(workload, run.seconds);
}

export async function kcatConsume(server: StrataServer, topic: string, workload: Workload): Promise<Transfer> {
  const run = await runKcat(['-C', '-b', `127.0.0.1:${server.port}`, '-t', topic, '-e', '-o', 'beginning', '-f', '%s\\n', ...KCAT_CONSUME_OPTIONS]);
  const match = /Reached end of topic \S+ \[0\] at offset (\d+)/.exec(run.stderr);
  if (match === null || Number(match[1]) !== workload.records) throw new Error(`kcat -C on ${topic}: expected to reach offset ${workload.records}, kcat said: ${run.stderr}`);
  return transferOf(workload, run.seconds);
}

export async function minimalProduce(server: StrataServer, topic: string, workload: Workload): Promise<Transfer> {
  await createTopic(server, topic);
  const producer = await MinimalProducer.connect(server.port);
  try {
    let issued = 0;
    const start = performance.now();
    const lane = async (): Promise<void> => {
      while (issued < workload.records) {
        issued += DISTINCT_VALUES;
        await producer.send(topic, 1, workload.values);
      }
    };
    await Promise.all(Array.from({ length: MINIMAL_REQUESTS_IN_FLIGHT }, lane));
    const seconds = secondsSince(start);
    const end = await endOffset(server, topic);
    if (end !== workload.records) throw new Error(`minimal client to ${topic}: log end offset ${end}, expected ${workload.records}`);
    return transferOf(workload, seconds);
  } finally {
    producer.close();
  }
}

export function strataWireEndToEnd(server: StrataServer, topic: string): EndToEndSystem {
  return {
    name: 'Strata wire: minimal client acks=1 → kcat -C',
    async open(onValue) {
      await createTopic(server, topic);
      const kcat = spawn(KCAT, ['-C', '-u', '-b', `127.0.0.1:${server.port}`, '-t', topic, '-o', 'beginning', '-f', '%s\\n', '-X', 'fetch.wait.max.ms=100'], { stdio: ['ignore', 'pipe', 'pipe'] });
      trackChild(kcat);
      const exited = new Promise<void>((resolveExit) => kcat.once('exit', () => resolveExit()));
      let partial = '';
      kcat.stdout!.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('latin1')).split('\n');
        partial = lines.pop()!;
        for (const line of lines) onValue(Buffer.from(line, 'latin1'));
      });
      const producer = await MinimalProducer.connect(server.port);
      return {
        send: (values) => producer.send(topic, 1, values),
        async close() {
          producer.close();
          kcat.kill('SIGTERM');
          await exited;
        },
      };
    },
  };
}
