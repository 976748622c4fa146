// Every `strata` command end to end, spawned as a user runs it, against a data directory
// (--data-dir) and against a spawned `strata serve` (--bootstrap): the same assertions both ways.
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../src/broker/partitioner.js';
import { tempDir } from '../support/temp-dir.js';
import { jsonLines, ok, startServe, strata } from './support.js';

interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

type Mode = 'data-dir' | 'server';

/** The flags that point a command at a fresh log in this mode. */
async function freshLog(mode: Mode): Promise<string[]> {
  const dataDir = tempDir('strata-cli-');
  if (mode === 'data-dir') return ['--data-dir', dataDir];
  return ['--bootstrap', (await startServe(dataDir)).bootstrap];
}

describe.each<Mode>(['data-dir', 'server'])('strata commands (%s)', (mode) => {
  it('produce → consume round trip: keys where Kafka puts them, headers, exact offsets', async () => {
    const at = await freshLog(mode);
    expect(ok(['topics', 'create', 'orders', '--partitions', '3', ...at])).toBe('created topic orders with 3 partitions\n');
    const keys = ['user-1', 'user-2', 'user-3', 'user-4', 'user-5', 'user-6', 'user-1', 'user-2'];
    const input = keys.map((key, index) => `${key}:{"n":${index}}`).join('\n') + '\n';
    const summary = ok(['produce', 'orders', '--key-separator', ':', '--headers', 'source=cli,trace=7', ...at], { input });
    expect(summary).toMatch(/^produced 8 records to orders in \d+ batch/);

    const records = jsonLines<ConsumedRecord>(ok(['consume', 'orders', '--json', ...at]));
    expect(records).toHaveLength(8);
    const expectedOffsets = new Map<number, number>();
    for (const [index, key] of keys.entries()) {
      const partition = partitionForKey(key, 3);
      const offset = expectedOffsets.get(partition) ?? 0;
      expectedOffsets.set(partition, offset + 1);
      expect(records).toContainEqual(expect.objectContaining({ topic: 'orders', partition, offset, key, value: `{"n":${index}}`, headers: [{ key: 'source', value: 'cli' }, { key: 'trace', value: '7' }] }));
    }
    for (const [partition, count] of expectedOffsets) expect(summary).toContain(`partition ${partition}: ${count} record${count === 1 ? '' : 's'}, offsets 0–${count - 1}`);

    const partition = partitionForKey('user-1', 3);
    const formatted = ok(['consume', 'orders', '--partition', String(partition), '--format', '%t|%p|%o|%k|%s|%h\\n', '--max-messages', '1', ...at]);
    expect(formatted).toBe(`orders|${partition}|0|user-1|{"n":0}|source=cli,trace=7\n`);
    const fromOffset = jsonLines<ConsumedRecord>(ok(['consume', 'orders', '--partition', String(partition), '--offset', '1', '--json', ...at]));
    expect(fromOffset.map((record) => record.offset)).toEqual([...Array(expectedOffsets.get(partition)! - 1).keys()].map((index) => index + 1));
  });

  it('consumes from a time, to a time, and finds offsets for a time', async () => {
    const at = await freshLog(mode);
    ok(['topics', 'create', 'events', '--partitions', '1', ...at]);
    const input = [1_000_000, 2_000_000, 3_000_000].map((timestamp, index) => JSON.stringify({ key: `k${index}`, value: { at: timestamp }, timestamp })).join('\n');
    ok(['produce', 'events', '--json', ...at], { input });
    const from = jsonLines<ConsumedRecord>(ok(['consume', 'events', '--from-time', '2000000', '--json', ...at]));
    expect(from.map((record) => [record.offset, record.timestamp, record.value])).toEqual([
      [1, 2_000_000, '{"at":2000000}'],
      [2, 3_000_000, '{"at":3000000}'],
    ]);
    const window = jsonLines<ConsumedRecord>(ok(['consume', 'events', '--from-time', new Date(1_500_000).toISOString(), '--to-time', '2500000', '--json', ...at]));
    expect(window.map((record) => record.offset)).toEqual([1]);
    expect(JSON.parse(ok(['offsets', 'events', '--time', '2000000', '--json', ...at]))).toEqual([{ partition: 0, earliest: 0, latest: 3, atTime: 1, atTimeTimestamp: 2_000_000 }]);
    expect(ok(['offsets', 'events', ...at])).toMatch(/^PARTITION\s+EARLIEST\s+LATEST\n0\s+0\s+3\n$/);
  });

  it('groups: describe shows the right lag; reset-offsets moves it; delete removes the group', async () => {
    const at = await freshLog(mode);
    ok(['topics', 'create', 'jobs', '--partitions', '2', ...at]);
    ok(['produce', 'jobs', '--partition', '0', ...at], { input: 'a\nb\nc\nd\ne\nf\n' });
    ok(['produce', 'jobs', '--partition', '1', ...at], { input: 'g\nh\ni\nj\n' });

    expect(ok(['consume', 'jobs', '--group', 'workers', '--partition', '0', '--max-messages', '3', ...at])).toBe('a\nb\nc\n');
    const lagOf = () => (JSON.parse(ok(['groups', 'describe', 'workers', '--json', ...at])) as { offsets: { topic: string; partition: number; committedOffset: number; endOffset: number; lag: number }[] }).offsets;
    expect(lagOf()).toEqual([{ topic: 'jobs', partition: 0, committedOffset: 3, endOffset: 6, lag: 3, owner: '-' }]);
    expect(ok(['groups', 'describe', 'workers', ...at])).toMatch(/jobs\s+0\s+3\s+6\s+3/);

    // The rest: partition 0 from its commit, partition 1 (nothing committed) from the start.
    expect(ok(['consume', 'jobs', '--group', 'workers', ...at]).split('\n').filter(Boolean).sort()).toEqual(['d', 'e', 'f', 'g', 'h', 'i', 'j']);
    expect(lagOf().map(({ partition, committedOffset, lag }) => [partition, committedOffset, lag])).toEqual([
      [0, 6, 0],
      [1, 4, 0],
    ]);

    expect(ok(['groups', 'reset-offsets', 'workers', '--topic', 'jobs', '--to-earliest', ...at])).toMatch(/reset group workers on jobs/);
    expect(lagOf().map(({ committedOffset, lag }) => [committedOffset, lag])).toEqual([
      [0, 6],
      [0, 4],
    ]);
    ok(['groups', 'reset-offsets', 'workers', '--topic', 'jobs', '--to-offset', '5', ...at]);
    expect(lagOf().map(({ committedOffset, lag }) => [committedOffset, lag])).toEqual([
      [5, 1],
      [4, 0], // clamped to partition 1's end
    ]);
    ok(['groups', 'reset-offsets', 'workers', '--topic', 'jobs', '--to-latest', '--dry-run', ...at]);
    expect(lagOf()[0]!.committedOffset).toBe(5);
    expect(ok(['consume', 'jobs', '--group', 'workers', ...at])).toBe('f\n');

    expect(JSON.parse(ok(['groups', 'list', '--json', ...at]))).toContainEqual({ groupId: 'workers', state: 'Empty' });
    expect(ok(['groups', 'delete', 'workers', ...at])).toBe('deleted group workers\n');
    const gone = strata(['groups', 'describe', 'workers', ...at]);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toMatch(/^strata: group workers does not exist \(hint: .*\)\n$/);
  });

  it('topics: create with config, describe, alter, add partitions, list, delete', async () => {
    const at = await freshLog(mode);
    ok(['topics', 'create', 'audit', '--partitions', '2', '--config', 'retention.ms=1000', ...at]);
    type Described = { partitions: { partition: number }[]; config: { name: string; value: string; source: string }[] };
    const describe = () => JSON.parse(ok(['topics', 'describe', 'audit', '--json', ...at])) as Described;
    const entry = (described: Described, name: string) => described.config.find((config) => config.name === name);
    expect(entry(describe(), 'retention.ms')).toEqual({ name: 'retention.ms', value: '1000', source: 'topic' });

    expect(ok(['topics', 'alter', 'audit', '--set', 'segment.bytes=100000', '--delete', 'retention.ms', ...at])).toContain('altered topic audit');
    const altered = describe();
    expect(entry(altered, 'segment.bytes')).toEqual({ name: 'segment.bytes', value: '100000', source: 'topic' });
    expect(entry(altered, 'retention.ms')).toEqual({ name: 'retention.ms', value: String(7 * 24 * 3600 * 1000), source: 'default' });

    ok(['topics', 'add-partitions', 'audit', '--partitions', '4', ...at]);
    expect(describe().partitions.map((partition) => partition.partition)).toEqual([0, 1, 2, 3]);
    expect(JSON.parse(ok(['topics', 'list', '--json', ...at]))).toEqual([{ name: 'audit', partitions: 4, internal: false }]);
    expect(ok(['topics', 'list', ...at])).toMatch(/^TOPIC\s+PARTITIONS\naudit\s+4\n$/);

    const shrink = strata(['topics', 'add-partitions', 'audit', '--partitions', '2', ...at]);
    expect(shrink.status).toBe(1);
    expect(shrink.stderr).toMatch(/^strata: .*4 partition.*\(hint: .*\)\n$/);

    expect(ok(['topics', 'delete', 'audit', ...at])).toBe('deleted topic audit\n');
    expect(ok(['topics', 'list', ...at])).toBe('no topics\n');
  });
});
