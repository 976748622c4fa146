// A produce flood against a real `strata serve` child with queued.max.request.bytes set: the
// server's peak RSS (VmHWM) stays bounded while every request is still answered.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProduceRequest, ProduceResponse } from '../../src/protocol/messages/produce.js';
import { decodeResponse, encodeRequest } from '../../src/protocol/wire/headers.js';
import { batchOf } from '../support/batches.js';
import { tempDir } from '../support/temp-dir.js';
import { RawClient } from './raw-client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const MIB = 1024 * 1024;

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'tools', 'ensure-built.mjs')], { stdio: 'inherit' });
}, 120_000);

const children: ChildProcess[] = [];
const raws: RawClient[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.close();
  for (const child of children.splice(0)) {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  }
});

async function startServe(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', tempDir(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return { child, port };
}

/** Peak resident set size of a process, from /proc. */
function peakRssBytes(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}

describe('a produce flood', () => {
  it('keeps the server RSS bounded with queued.max.request.bytes and answers every request', async () => {
    const { child, port } = await startServe(['--set', `queued.max.request.bytes=${4 * MIB}`]);
    const idlePeakBytes = peakRssBytes(child.pid!);
    const body = encodeRequest(ProduceRequest, 7, { correlationId: 0, clientId: 'flood' }, { acks: -1, timeoutMs: 60_000, transactionalId: null, topicData: [{ name: 'flood', partitionData: [{ index: 0, records: batchOf('f', 16, undefined, 32 * 1024) }] }] });
    const frame = Buffer.concat([Buffer.alloc(4), body]);
    frame.writeInt32BE(body.length, 0);
    const connections = 8;
    const framesPerConnection = 80; // 8 × 80 × 512 KiB = 320 MiB sent as fast as the sockets take it
    const clients = await Promise.all(Array.from({ length: connections }, () => RawClient.connect(port)));
    raws.push(...clients);
    clients[0]!.socket.write(frame); // creates the topic before the flood
    expect(await clients[0]!.nextFrame(30_000)).not.toBeNull();
    for (const client of clients) client.socket.write(Buffer.concat(Array.from({ length: framesPerConnection }, () => frame)));
    let answered = 0;
    for (const client of clients) {
      for (let index = 0; index < framesPerConnection; index++) {
        const response = await client.nextFrame(120_000);
        expect(response).not.toBeNull();
        expect(decodeResponse(ProduceResponse, 7, response!).body.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
        answered++;
      }
    }
    expect(answered).toBe(connections * framesPerConnection);
    const peakBytes = peakRssBytes(child.pid!);
    console.log(`flood: ${(connections * framesPerConnection * frame.length) / MIB} MiB sent; server peak RSS ${(idlePeakBytes / MIB).toFixed(0)} MiB idle → ${(peakBytes / MIB).toFixed(0)} MiB`);
    expect(peakBytes - idlePeakBytes).toBeLessThan(120 * MIB);
  });
});
