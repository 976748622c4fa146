// Fetch's long poll must wait for new data, not re-read what it already has: a Fetch whose
// partition holds data but fewer than minBytes (found by test/fuzz: a mutated minBytes) used to
// re-read the log in a loop until maxWaitMs, starving every other connection.
import { afterEach, describe, expect, it } from 'vitest';
import { encodeRecordBatch } from '../../src/codec/record-batch.js';
import { FetchRequest, FetchResponse } from '../../src/protocol/messages/fetch.js';
import { StrataServer } from '../../src/protocol/serve.js';
import { nodeFileIO, type FileIO, type StorageFile } from '../../src/storage/file-io.js';
import { connectTo, createTopic, produce } from '../../bench/wire-client.js';
import { tempDir } from '../support/temp-dir.js';

const servers: StrataServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** The real FileIO, counting reads of files. */
function countingFileIO(): { io: FileIO; reads: () => number } {
  let reads = 0;
  const io: FileIO = {
    ...nodeFileIO,
    open: async (path, options) => {
      const file = await nodeFileIO.open(path, options);
      const counted: StorageFile = Object.create(file) as StorageFile;
      counted.read = (...args) => {
        reads++;
        return file.read(...args);
      };
      return counted;
    },
  };
  return { io, reads: () => reads };
}

describe('Fetch long poll', () => {
  it('with data below minBytes, waits up to maxWaitMs without re-reading the log, and returns what there is', async () => {
    const { io, reads } = countingFileIO();
    const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir: tempDir(), io } });
    servers.push(server);
    const client = await connectTo(server.port);
    await createTopic(client, 'polled', 1);
    await produce(client, 'polled', 0, encodeRecordBatch([{ value: 'only' }]), -1);

    const readsBefore = reads();
    const startMs = performance.now();
    const response = await client.request({ request: FetchRequest, response: FetchResponse }, 4, {
      replicaId: -1,
      maxWaitMs: 1_000,
      minBytes: 1 << 20,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      topics: [{ topic: 'polled', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    });
    const elapsedMs = performance.now() - startMs;
    const partition = response.responses[0]!.partitions[0]!;
    expect(partition.errorCode).toBe(0);
    expect(partition.records!.length).toBeGreaterThan(0);
    expect(elapsedMs).toBeGreaterThanOrEqual(900);
    // One read at the start and one when the wait ends (a few file reads each), not a loop.
    expect(reads() - readsBefore).toBeLessThan(20);
    await client.close();
  });
});
