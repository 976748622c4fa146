import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint } from '../../src/storage/checkpoint-file.js';
import { nodeFileIO } from '../../src/storage/file-io.js';
import { CLEAN_SHUTDOWN_FILE, LogDirectory, RECOVERY_POINT_FILE } from '../../src/storage/log-directory.js';
import { batchOf } from '../support/batches.js';
import { tempDir } from '../support/temp-dir.js';

describe('data directory lock', () => {
  it('a second open in this process fails at once, naming the directory', async () => {
    const path = tempDir();
    const first = await LogDirectory.open(path);
    await expect(LogDirectory.open(path)).rejects.toMatchObject({ code: 'DIRECTORY_LOCKED', message: expect.stringContaining(path) });
    await first.close();
    const again = await LogDirectory.open(path);
    await again.close();
  });

  it('another process cannot take the lock while it is held, and can once it is released', async () => {
    const path = tempDir();
    const held = await LogDirectory.open(path);
    // A real second process tries flock(LOCK_EX | LOCK_NB) on the same lock file.
    const script = `const fs = require('node:fs'); const ext = require('fs-ext'); const fd = fs.openSync(${JSON.stringify(join(path, '.lock'))}, 'a');
      try { ext.flockSync(fd, 'exnb'); console.log('locked'); } catch (error) { console.log(error.code); }`;
    const tryLock = () => spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 }).stdout.trim();
    const started = Date.now();
    expect(tryLock()).toMatch(/^(EAGAIN|EWOULDBLOCK)$/);
    expect(Date.now() - started).toBeLessThan(5_000); // fails at once, never blocks
    await held.close();
    expect(tryLock()).toBe('locked');
  });
});

describe('checkpoints and the clean-shutdown marker', () => {
  it('checkpoint files use Kafka\'s text format and round-trip', async () => {
    const path = join(tempDir(), RECOVERY_POINT_FILE);
    await writeCheckpoint(nodeFileIO, path, new Map([['orders-0', 1204], ['my.topic-name-12', 7]]));
    expect(readFileSync(path, 'utf8')).toBe('0\n2\norders 0 1204\nmy.topic-name 12 7\n');
    expect(await readCheckpoint(nodeFileIO, path)).toEqual(new Map([['orders-0', 1204], ['my.topic-name-12', 7]]));
    writeFileSync(path, '0\n3\norders 0 1\n');
    expect(await readCheckpoint(nodeFileIO, path)).toEqual(new Map()); // malformed reads as empty
  });

  it('an orderly close leaves the marker and checkpoints; the next open scans nothing', async () => {
    const path = tempDir();
    const directory = await LogDirectory.open(path);
    const log = await directory.openPartition('orders-0');
    for (let index = 0; index < 5; index++) await log.append(batchOf(`o${index}`, 2));
    await log.deleteRecordsBefore(3);
    await directory.close();
    expect(existsSync(join(path, CLEAN_SHUTDOWN_FILE))).toBe(true);
    expect(readFileSync(join(path, RECOVERY_POINT_FILE), 'utf8')).toBe('0\n1\norders 0 10\n');

    const reopened = await LogDirectory.open(path);
    expect(reopened.cleanShutdown).toBe(true);
    expect(existsSync(join(path, CLEAN_SHUTDOWN_FILE))).toBe(false); // a crash from now on is seen
    expect(await reopened.partitionNames()).toEqual(['orders-0']);
    const again = await reopened.openPartition('orders-0');
    expect(again.recovery.segmentsScanned).toBe(0);
    expect(again.logStartOffset).toBe(3);
    expect(again.logEndOffset).toBe(10);
    await reopened.close();
  });

  it('after a crash the marker is absent and partitions recover from their checkpointed point', async () => {
    const path = tempDir();
    const directory = await LogDirectory.open(path);
    const log = await directory.openPartition('orders-0');
    for (let index = 0; index < 5; index++) await log.append(batchOf(`o${index}`, 2));
    await log.flush();
    await directory.checkpoint();
    // Simulate the process dying: nothing is closed, the lock goes with the process.
    (directory as unknown as { lock: { release(): void } }).lock.release();
    const reopened = await LogDirectory.open(path);
    expect(reopened.cleanShutdown).toBe(false);
    const recovered = await reopened.openPartition('orders-0');
    expect(recovered.recovery.cleanShutdown).toBe(false);
    expect(recovered.logEndOffset).toBe(10);
    await reopened.close();
  });

  it('a partition not yet recovered after a crash keeps the next open unclean', async () => {
    const path = tempDir();
    const first = await LogDirectory.open(path);
    await (await first.openPartition('a-0')).append(batchOf('a'));
    await (await first.openPartition('b-0')).append(batchOf('b'));
    (first as unknown as { lock: { release(): void } }).lock.release();
    const second = await LogDirectory.open(path);
    await second.openPartition('a-0'); // b-0 is never opened
    await second.close();
    expect(existsSync(join(path, CLEAN_SHUTDOWN_FILE))).toBe(false);
    const third = await LogDirectory.open(path);
    expect(third.cleanShutdown).toBe(false);
    await third.close();
  });

  it('rejects partition names that are not a single <topic>-<partition> path component', async () => {
    const directory = await LogDirectory.open(tempDir());
    for (const name of ['../escape-0', 'a/b-0', 'no-partition', '.-0', '', 'topic-x']) {
      await expect(directory.openPartition(name)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    await directory.close();
  });

  it('deletes a partition by moving it aside first; leftovers of an interrupted delete vanish on open', async () => {
    const path = tempDir();
    const directory = await LogDirectory.open(path);
    await (await directory.openPartition('gone-0')).append(batchOf('x'));
    await directory.deletePartition('gone-0');
    expect(readdirSync(path).filter((name) => name.startsWith('gone'))).toEqual([]);
    await directory.close();
    mkdirSync(join(path, 'half-0.0123abcd-delete'));
    writeFileSync(join(path, 'half-0.0123abcd-delete', '00000000000000000000.log'), 'x');
    const reopened = await LogDirectory.open(path);
    expect(readdirSync(path).filter((name) => name.startsWith('half'))).toEqual([]);
    expect(await reopened.partitionNames()).toEqual([]);
    await reopened.close();
  });
});

describe('concurrent checkpoints', () => {
  it('overlapping checkpoint calls (timer and close) never collide on the temp file', async () => {
    const path = tempDir();
    const directory = await LogDirectory.open(path, { checkpointIntervalMs: 1 });
    await (await directory.openPartition('c-0')).append(batchOf('x'));
    await Promise.all(Array.from({ length: 20 }, () => directory.checkpoint()));
    await directory.close();
    expect(existsSync(join(path, CLEAN_SHUTDOWN_FILE))).toBe(true);
    expect(readFileSync(join(path, RECOVERY_POINT_FILE), 'utf8')).toBe('0\n1\nc 0 1\n');
  });
});
