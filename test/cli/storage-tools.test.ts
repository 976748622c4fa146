// `strata dump-log` and `strata verify` on real segment files: a healthy log checks out; a planted
// bit flip is reported with its file and byte position and exit code 1, and reading it through the
// broker fails with one line instead of returning corrupt records.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';
import { jsonLines, ok, strata } from './support.js';

const SEGMENT = '00000000000000000000';

/** A data directory with topic `logs` (1 partition, an index entry per batch) holding three batches. */
function dataDirWithThreeBatches(): { dataDir: string; logPath: string } {
  const dataDir = tempDir('strata-cli-');
  ok(['topics', 'create', 'logs', '--partitions', '1', '--config', 'index.interval.bytes=0', '--data-dir', dataDir]);
  ok(['produce', 'logs', '--data-dir', dataDir], { input: 'first\nsecond\n' });
  ok(['produce', 'logs', '--key-separator', '=', '--headers', 'h=1', '--data-dir', dataDir], { input: 'k1=v1\nk2=v2\nk3=v3\n' });
  ok(['produce', 'logs', '--compression', 'gzip', '--data-dir', dataDir], { input: 'zipped\n' });
  return { dataDir, logPath: join(dataDir, 'logs-0', `${SEGMENT}.log`) };
}

interface DumpedBatch {
  position: number;
  baseOffset: number;
  lastOffset: number;
  count: number;
  codec: string;
  sizeBytes: number;
  crcOk: boolean;
}

describe('strata dump-log', () => {
  it('lists batches, records and index entries of a healthy segment', () => {
    const { dataDir, logPath } = dataDirWithThreeBatches();
    const batches = jsonLines<DumpedBatch>(ok(['dump-log', logPath, '--json']));
    expect(batches.map(({ position, baseOffset, lastOffset, count, codec, crcOk }) => ({ position, baseOffset, lastOffset, count, codec, crcOk }))).toEqual([
      { position: 0, baseOffset: 0, lastOffset: 1, count: 2, codec: 'none', crcOk: true },
      { position: batches[0]!.sizeBytes, baseOffset: 2, lastOffset: 4, count: 3, codec: 'none', crcOk: true },
      { position: batches[0]!.sizeBytes + batches[1]!.sizeBytes, baseOffset: 5, lastOffset: 5, count: 1, codec: 'gzip', crcOk: true },
    ]);
    const text = ok(['dump-log', logPath, '--records']);
    expect(text).toMatch(/position 0: offsets 0–1 count 2 CreateTime .* codec none size \d+ producerId -1 crc ok/);
    expect(text).toContain('| offset 3 ');
    expect(text).toMatch(/\| offset 3 \S+ key "k2" value "v2" headers h=1/);
    expect(text).toMatch(/\| offset 5 \S+ key null value "zipped"/);

    // index.interval.bytes=0: every batch but the first (at position 0) is indexed by its last offset.
    const index = ok(['dump-log', join(dataDir, 'logs-0', `${SEGMENT}.index`)]);
    expect(index).toBe(`offset 4 position ${batches[1]!.position}\noffset 5 position ${batches[2]!.position}\n`);
    const timeIndex = jsonLines<{ timestamp: number; offset: number }>(ok(['dump-log', join(dataDir, 'logs-0', `${SEGMENT}.timeindex`), '--json']));
    expect(timeIndex.length).toBeGreaterThan(0);
    for (const entry of timeIndex) expect([4, 5]).toContain(entry.offset);
  });

  it('refuses a file that is not a segment, with one line', () => {
    const path = join(tempDir(), 'notes.txt');
    writeFileSync(path, 'hello');
    const result = strata(['dump-log', path]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^strata: .*notes\.txt is not a segment file \(hint: .*\)\n$/);
  });
});

describe('strata verify', () => {
  it('passes a healthy data directory; a planted bit flip is named by file and byte position (exit 1) by verify and dump-log', () => {
    const { dataDir, logPath } = dataDirWithThreeBatches();
    const healthy = strata(['verify', '--data-dir', dataDir]);
    expect(healthy.status).toBe(0);
    expect(healthy.stdout).toMatch(/^ok: \d+ partition\(s\), \d+ segment\(s\), \d+ batch\(es\)/);

    const batches = jsonLines<DumpedBatch>(ok(['dump-log', logPath, '--json']));
    const target = batches[1]!;
    const bytes = readFileSync(logPath);
    const flipped = target.position + target.sizeBytes - 3; // inside the second batch's records
    bytes[flipped]! ^= 0x04;
    writeFileSync(logPath, bytes);

    const verify = strata(['verify', '--data-dir', dataDir]);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toContain(`BAD ${logPath}: batch at byte position ${target.position} (${target.sizeBytes} bytes, offsets 2–4): stored CRC`);
    expect(verify.stdout).toMatch(/\n1 problem\(s\) in /);

    const dump = strata(['dump-log', logPath]);
    expect(dump.status).toBe(1);
    expect(dump.stdout).toMatch(new RegExp(`position ${target.position}: offsets 2–4 .* crc BAD \\(stored CRC`));
    expect(dump.stdout).toMatch(/position 0: offsets 0–1 .* crc ok/);
    expect(dump.stdout).toMatch(new RegExp(`position ${batches[2]!.position}: offsets 5–5 .* crc ok`));
    expect(dump.stderr).toBe(`strata: ${logPath}: corrupt batch at byte position ${target.position} (offsets 2–4): ${dump.stderr.split('): ')[1]}`);
    expect(dump.stderr.trim().split('\n')).toHaveLength(1);

    // Reading through the broker: one line, exit 1, never the corrupt records.
    const consume = strata(['consume', 'logs', '--data-dir', dataDir]);
    expect(consume.status).toBe(1);
    expect(consume.stdout).not.toContain('v2');
    expect(consume.stderr).toMatch(/strata: .*CRC.*\n$/);
  });

  it('reports a torn tail and a missing data directory', () => {
    const { dataDir, logPath } = dataDirWithThreeBatches();
    const bytes = readFileSync(logPath);
    writeFileSync(logPath, bytes.subarray(0, bytes.length - 5));
    const torn = strata(['verify', '--data-dir', dataDir]);
    expect(torn.status).toBe(1);
    expect(torn.stdout).toMatch(new RegExp(`BAD ${logPath}: byte position \\d+: batch of \\d+ bytes runs past the end of the file`));

    const missing = strata(['verify', '--data-dir', join(dataDir, 'nope')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^strata: data directory .*nope does not exist \(hint: .*\)\n$/);
  });
});
