/**
 * Strata embedded in this process (`Broker.open`), on the comparison's workload: one producer
 * (`send(1,000 records)`, 8 calls in flight, lingerMs 0) with acks=1 or acks=all into a topic of one
 * partition, then one consumer (no group, from earliest, async iterator) reading it back.
 *
 * Recovery: a child process (recovery-child.ts) produces into a topic with small segments and
 * SIGKILLs itself once every record is acknowledged (an unclean stop: no close, no checkpoint);
 * this process then times Broker.open on that data directory and checks every record is there.
 */

import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Broker } from '../../src/client/broker.js';
import type { ProducerRecord } from '../../src/client/producer.js';
import type { Transfer } from '../measure.js';
import type { EndToEndSystem } from './latency.js';
import { trackChild } from './peer-process.js';
import { checkReadBack, secondsSince, transferOf, type Workload } from './workload.js';

const SENDS_IN_FLIGHT = 8;
const RECOVERY_CHILD = fileURLToPath(new URL('./recovery-child.js', import.meta.url));

/** `records` of `workload` in chunks of its distinct values, SENDS_IN_FLIGHT send() calls outstanding. */
export async function strataProduce(broker: Broker, topic: string, workload: Workload, acks: 1 | 'all', batchSizeBytes: number): Promise<Transfer> {
  await broker.admin.createTopic(topic, { partitions: 1 });
  const chunk: ProducerRecord[] = workload.values.map((value) => ({ value }));
  const producer = broker.producer({ acks, lingerMs: 0, batchSizeBytes });
  try {
    // Untimed: the first send fetches the producer id (to a topic of its own, so counts stay exact).
    const idTopic = `${topic}-producer-id`;
    await broker.admin.createTopic(idTopic, { partitions: 1 });
    await producer.send(idTopic, chunk.slice(0, 1));
    await broker.admin.deleteTopic(idTopic);
    let issued = 0;
    const start = performance.now();
    const lane = async (): Promise<void> => {
      while (issued < workload.records) {
        issued += chunk.length;
        await producer.send(topic, chunk);
      }
    };
    await Promise.all(Array.from({ length: SENDS_IN_FLIGHT }, lane));
    const seconds = secondsSince(start);
    const end = broker.core.topics.partition(topic, 0).logEndOffset;
    if (end !== workload.records) throw new Error(`Strata produce to ${topic}: log end offset ${end}, expected ${workload.records}`);
    return transferOf(workload, seconds);
  } finally {
    await producer.close();
  }
}

export async function strataConsume(broker: Broker, topic: string, workload: Workload): Promise<Transfer> {
  let records = 0;
  let bytes = 0;
  const start = performance.now();
  const consumer = broker.consumer();
  try {
    await consumer.subscribe(topic, { from: 'earliest' });
    for await (const message of consumer) {
      bytes += message.value?.length ?? 0;
      if (++records >= workload.records) break;
    }
    const seconds = secondsSince(start);
    checkReadBack('Strata consumer', workload, records, bytes);
    return transferOf(workload, seconds);
  } finally {
    await consumer.close();
  }
}

export interface RecoveryFigures {
  openMs: number;
  segments: number;
  segmentsScanned: number;
  bytesScanned: number;
  records: number;
}

/** Produces `workload` in a child that SIGKILLs itself, then times Broker.open here. */
export async function strataRecovery(dataDir: string, workload: Workload, segmentBytes: number): Promise<RecoveryFigures> {
  const topic = 'recovery';
  await new Promise<void>((resolveChild, reject) => {
    const child = spawn(process.execPath, [RECOVERY_CHILD, dataDir, topic, String(workload.records), String(workload.valueBytes), String(segmentBytes)], { stdio: ['ignore', 'pipe', 'inherit'] });
    trackChild(child);
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL' && stdout.includes(`acknowledged ${workload.records}`)) resolveChild();
      else reject(new Error(`recovery child ended with ${code ?? signal} before killing itself: ${stdout}`));
    });
  });
  const partitionDir = join(dataDir, `${topic}-0`);
  const segments = readdirSync(partitionDir).filter((name) => name.endsWith('.log')).length;
  const start = performance.now();
  const broker = await Broker.open({ dataDir });
  const openMs = performance.now() - start;
  try {
    const log = broker.core.topics.partition(topic, 0);
    if (log.logEndOffset < workload.records) throw new Error(`after the unclean stop the log ends at ${log.logEndOffset}, but ${workload.records} records were acknowledged`);
    return { openMs, segments, segmentsScanned: log.recovery.segmentsScanned, bytesScanned: log.recovery.bytesScanned, records: log.logEndOffset };
  } finally {
    await broker.close();
  }
}

/** Producer (acks=1, lingerMs 0) and consumer (iterator, maxWaitMs 100) in this process. */
export function strataEmbeddedEndToEnd(broker: Broker, topic: string): EndToEndSystem {
  return {
    name: 'Strata embedded acks=1 → consumer',
    async open(onValue) {
      await broker.admin.createTopic(topic, { partitions: 1 });
      const consumer = broker.consumer({ maxWaitMs: 100 });
      await consumer.subscribe(topic, { from: 'earliest' });
      let reading = true;
      const loop = (async () => {
        for await (const message of consumer) {
          onValue(message.value!);
          if (!reading) break;
        }
      })();
      const producer = broker.producer({ acks: 1, lingerMs: 0 });
      return {
        send: (values) => producer.send(topic, values.map((value) => ({ value }))),
        async close() {
          reading = false;
          await producer.close();
          await consumer.close();
          await loop.catch(() => undefined);
          await broker.admin.deleteTopic(topic);
        },
      };
    },
  };
}
