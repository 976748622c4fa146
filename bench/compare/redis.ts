/**
 * Redis Streams peer: Debian's redis-server, started here on a free loopback port with an
 * append-only file fsynced every second (`--appendonly yes --appendfsync everysec`, no RDB
 * snapshots) in a temporary directory, and stopped by pid afterwards.
 *
 *   produce   XADD <stream> * v <value>, 1,000 commands per pipeline (one write), 4 pipelines in
 *             flight on one connection; the pipeline is encoded once and sent again (generous to
 *             Redis: no client-side encoding in the timed loop).
 *   consume   XRANGE <stream> <from> + COUNT 1000, from `-` then from `(<last id>`, until empty.
 *   latency   XADD per paced tick (pipelined) on one connection; a second connection loops on
 *             XREAD BLOCK 1000 COUNT 1000 STREAMS <stream> <last id>.
 */

import { encodeCommand, RespConnection, type RespValue } from './resp.js';
import { freePort, startPeer, withPeer, type PeerProcess } from './peer-process.js';
import type { Transfer } from '../measure.js';
import type { EndToEndSystem } from './latency.js';
import { checkReadBack, DISTINCT_VALUES, secondsSince, transferOf, type Workload } from './workload.js';

const PIPELINES_IN_FLIGHT = 4;
const READ_PAGE = 1000;

export const REDIS_SERVER = process.env.STRATA_BENCH_REDIS_SERVER ?? 'redis-server';

export interface RedisPeer {
  process: PeerProcess;
  port: number;
}

export async function withRedis<T>(executable: string, directory: string, body: (redis: RedisPeer) => Promise<T>): Promise<T> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', directory, '--save', '', '--daemonize', 'no', '--protected-mode', 'no', '--logfile', ''];
  return withPeer(
    () => startPeer(executable, args, /Ready to accept connections/),
    (process) => body({ process, port }),
  );
}

export async function redisProduce(redis: RedisPeer, stream: string, workload: Workload): Promise<Transfer> {
  const connection = await RespConnection.connect(redis.port);
  try {
    const pipeline = Buffer.concat(workload.values.map((value) => encodeCommand(['XADD', stream, '*', 'v', value])));
    let issued = 0;
    const start = performance.now();
    const lane = async (): Promise<void> => {
      while (issued < workload.records) {
        issued += DISTINCT_VALUES;
        await connection.pipeline(pipeline, DISTINCT_VALUES);
      }
    };
    await Promise.all(Array.from({ length: PIPELINES_IN_FLIGHT }, lane));
    const seconds = secondsSince(start);
    const length = await connection.command('XLEN', stream);
    if (length !== workload.records) throw new Error(`redis XLEN ${stream} = ${String(length)}, expected ${workload.records}`);
    return transferOf(workload, seconds);
  } finally {
    connection.close();
  }
}

/** An XRANGE/XREAD entry: [id, [field, value]]. */
function entryValue(entry: RespValue): { id: Buffer; value: Buffer } {
  const [id, fields] = entry as [Buffer, [Buffer, Buffer]];
  return { id, value: fields[1] };
}

export async function redisConsume(redis: RedisPeer, stream: string, workload: Workload): Promise<Transfer> {
  const connection = await RespConnection.connect(redis.port);
  try {
    let records = 0;
    let bytes = 0;
    let from = '-';
    const start = performance.now();
    for (;;) {
      const page = (await connection.command('XRANGE', stream, from, '+', 'COUNT', String(READ_PAGE))) as RespValue[];
      if (page.length === 0) break;
      for (const entry of page) bytes += entryValue(entry).value.length;
      records += page.length;
      from = `(${entryValue(page[page.length - 1]!).id.toString('latin1')}`;
    }
    const seconds = secondsSince(start);
    checkReadBack('redis XRANGE', workload, records, bytes);
    await connection.command('DEL', stream);
    return transferOf(workload, seconds);
  } finally {
    connection.close();
  }
}

export function redisEndToEnd(redis: RedisPeer, stream: string): EndToEndSystem {
  return {
    name: 'Redis XADD → XREAD BLOCK',
    async open(onValue) {
      const writer = await RespConnection.connect(redis.port);
      const reader = await RespConnection.connect(redis.port);
      let reading = true;
      const readLoop = (async () => {
        let last = '0-0';
        while (reading) {
          const reply = (await reader.command('XREAD', 'BLOCK', '200', 'COUNT', '1000', 'STREAMS', stream, last)) as RespValue[] | null;
          if (reply === null) continue;
          const entries = (reply[0] as [Buffer, RespValue[]])[1];
          for (const entry of entries) onValue(entryValue(entry).value);
          last = entryValue(entries[entries.length - 1]!).id.toString('latin1');
        }
      })();
      return {
        send: (values) => writer.pipeline(Buffer.concat(values.map((value) => encodeCommand(['XADD', stream, '*', 'v', value]))), values.length),
        async close() {
          reading = false;
          await readLoop;
          await writer.command('DEL', stream);
          writer.close();
          reader.close();
        },
      };
    },
  };
}
