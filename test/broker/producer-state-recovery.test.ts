import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BrokerCore } from '../../src/broker/broker-core.js';
import { PRODUCER_STATE_SNAPSHOT_FILE } from '../../src/broker/producer-state-recovery.js';
import { encodeRecordBatch } from '../../src/codec/record-batch.js';
import { CLEAN_SHUTDOWN_FILE } from '../../src/storage/log-directory.js';
import { recordsIn } from '../support/batches.js';
import { tempDir } from '../support/temp-dir.js';

type Stop = 'clean stop' | 'unclean stop (state rebuilt from the log tail)' | 'clean stop with an unreadable snapshot';

/** Produces two idempotent batches (offsets 0–3), then stops the broker the given way. */
async function producedThenStopped(stop: Stop) {
  const dataDir = tempDir();
  const broker = await BrokerCore.open({ dataDir });
  await broker.topics.create('t');
  const { producerId, producerEpoch } = await broker.initProducerId();
  const batch = (sequence: number) => encodeRecordBatch([{ value: `s${sequence}` }, { value: `s${sequence + 1}` }], { producerId, producerEpoch, baseSequence: sequence });
  await broker.produce('t', 0, batch(0), -1);
  await broker.produce('t', 0, batch(2), -1);
  await broker.close();
  const snapshot = join(dataDir, PRODUCER_STATE_SNAPSHOT_FILE);
  expect(existsSync(snapshot)).toBe(true);
  if (stop === 'unclean stop (state rebuilt from the log tail)') {
    rmSync(join(dataDir, CLEAN_SHUTDOWN_FILE)); // as after kill -9: no marker, no snapshot
    rmSync(snapshot);
  }
  if (stop === 'clean stop with an unreadable snapshot') writeFileSync(snapshot, '{"version": 1, "partitions": ');
  return { dataDir, batch, snapshot };
}

describe('idempotent producer state across restarts', () => {
  for (const stop of ['clean stop', 'unclean stop (state rebuilt from the log tail)', 'clean stop with an unreadable snapshot'] as const) {
    it(`after a ${stop}, a retry of the last batch is answered with its offsets and not written again`, async () => {
      const { dataDir, batch, snapshot } = await producedThenStopped(stop);
      const broker = await BrokerCore.open({ dataDir });
      expect(existsSync(snapshot)).toBe(false); // it describes one shutdown only
      expect(await broker.produce('t', 0, batch(2), -1)).toMatchObject({ baseOffset: 2, lastOffset: 3, duplicate: true });
      await expect(broker.produce('t', 0, batch(6), 1)).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
      expect(await broker.produce('t', 0, batch(4), 1)).toMatchObject({ baseOffset: 4, duplicate: false });
      expect(recordsIn((await broker.fetch('t', 0, 0, 1 << 20)).records).map(([, value]) => value)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
      await broker.close();
    });
  }

  it('a snapshot that does not match the log end (the log changed after it) is not trusted', async () => {
    const { dataDir, batch, snapshot } = await producedThenStopped('clean stop');
    writeFileSync(snapshot, JSON.stringify({ version: 1, partitions: { 't-0': { logEndOffset: 99, producers: [] } } }));
    const broker = await BrokerCore.open({ dataDir });
    expect(await broker.produce('t', 0, batch(2), -1)).toMatchObject({ baseOffset: 2, duplicate: true }); // found by the tail scan
    await broker.close();
  });
});
