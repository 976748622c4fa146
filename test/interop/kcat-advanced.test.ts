// kcat (librdkafka), unmodified, against `strata serve`, beyond the basics of kcat.test.ts:
// metadata as JSON, keyed produce with Java's partitioner (murmur2_random), consume formats,
// start and stop at a time (-o s@ / e@), offsets by time (-Q), and balanced consumer groups (-G)
// of two kcat processes, eager and cooperative; gzip and lz4 really compressed (Strata advertises
// Produce from v0 so librdkafka 2.0 compresses, see compressionUsed), zstd refused.
import { spawn, type ChildProcess } from 'node:child_process';
import { Kafka, logLevel, type Admin, AssignerProtocol } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { partitionForKey } from '../../src/broker/partitioner.js';
import { decodeRecordBatches } from '../../src/codec/record-batch.js';
import { StrataServer } from '../../src/protocol/serve.js';
import { tempDir } from '../support/temp-dir.js';

const servers: StrataServer[] = [];
const children: ChildProcess[] = [];
const admins: Admin[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const admin of admins.splice(0)) await admin.disconnect().catch(() => undefined);
  for (const server of servers.splice(0)) await server.close();
});

async function serve(): Promise<StrataServer> {
  const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir: tempDir(), groupInitialRebalanceDelayMs: 0, groupMinSessionTimeoutMs: 100 } });
  servers.push(server);
  return server;
}

function kafka(server: StrataServer): Kafka {
  return new Kafka({ clientId: 'interop', brokers: [`127.0.0.1:${server.port}`], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } });
}

async function adminOf(server: StrataServer): Promise<Admin> {
  const admin = kafka(server).admin();
  await admin.connect();
  admins.push(admin);
  return admin;
}

async function createTopics(server: StrataServer, topics: { topic: string; numPartitions: number }[]): Promise<void> {
  expect(await (await adminOf(server)).createTopics({ topics, waitForLeaders: true })).toBe(true);
}

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts kcat in the background (never a sync spawn: the server shares this event loop). */
function startKcat(port: number, args: string[], input?: string): { child: ChildProcess; stdout: () => string; stderr: () => string; done: Promise<Run> } {
  const child = spawn('kcat', ['-b', `127.0.0.1:${port}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`kcat could not run (${error.message}): install it with tools/install-system-deps.sh`)));
    child.once('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
  child.stdin!.end(input ?? '');
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Runs kcat to completion (killed after 30 s). */
async function kcat(port: number, args: string[], input?: string): Promise<Run> {
  const run = startKcat(port, args, input);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
  const result = await run.done;
  clearTimeout(timer);
  return result;
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/**
 * The codec id librdkafka really used, from its `-d msg` log: librdkafka before the fix of its issue
 * #4956 sends gzip, snappy and lz4 uncompressed ("Broker does not support compression type lz4: not
 * compressing batch") to any broker whose Produce versions start above v0 (Kafka 4.0). Strata
 * advertises Produce 0–9 (refusing v0–2 payloads) so that it does compress.
 */
function compressionUsed(debugLog: string, codec: 'gzip' | 'lz4'): number {
  return debugLog.includes(`Broker does not support compression type ${codec}: not compressing batch`) ? 0 : codec === 'gzip' ? 1 : 3;
}

/** The group's members and the partitions of `topic` each is assigned (DescribeGroups). */
async function groupState(admin: Admin, groupId: string, topic: string): Promise<{ state: string; protocol: string; partitions: number[][] }> {
  const group = (await admin.describeGroups([groupId])).groups[0]!;
  return {
    state: group.state,
    protocol: group.protocol,
    partitions: group.members.map((member) => [...(AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[topic] ?? [])].sort((a, b) => a - b)),
  };
}

/** The partitions of `topic` the group gives the kcat -G whose log is `stderr` ("% Group g rebalanced (memberid M): …", or "(memberid M, COOPERATIVE rebalance protocol)"). */
async function assignmentOf(admin: Admin, groupId: string, topic: string, stderr: string): Promise<number[]> {
  const memberId = [...stderr.matchAll(/\(memberid ([^,)\s]+)/g)].at(-1)?.[1];
  const member = (await admin.describeGroups([groupId])).groups[0]!.members.find((each) => each.memberId === memberId);
  if (member === undefined) return [];
  return [...(AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[topic] ?? [])].sort((a, b) => a - b);
}

describe('kcat (advanced) against strata serve', () => {
  it('-L -J: brokers, topics, partitions, leaders and replicas as JSON, for all topics and for one', async () => {
    const server = await serve();
    await createTopics(server, [
      { topic: 'alpha', numPartitions: 3 },
      { topic: 'beta', numPartitions: 1 },
    ]);
    const partition = (id: number) => ({ partition: id, leader: 0, replicas: [{ id: 0 }], isrs: [{ id: 0 }] });
    const all = await kcat(server.port, ['-L', '-J']);
    expect(all.status, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual({
      originating_broker: { id: 0, name: `127.0.0.1:${server.port}/0` },
      query: { topic: '*' },
      controllerid: 0,
      brokers: [{ id: 0, name: `127.0.0.1:${server.port}` }],
      topics: [
        { topic: 'alpha', partitions: [partition(0), partition(1), partition(2)] },
        { topic: 'beta', partitions: [partition(0)] },
      ],
    });
    const one = await kcat(server.port, ['-L', '-J', '-t', 'alpha']);
    expect(one.status, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ query: { topic: 'alpha' }, topics: [{ topic: 'alpha', partitions: [partition(0), partition(1), partition(2)] }] });
  });

  it('-P -K: -z lz4 with keys and a header: murmur2 puts each key where Java would; -C -f prints key, value, offset, partition, timestamp exactly', async () => {
    const server = await serve();
    await createTopics(server, [{ topic: 'keyed', numPartitions: 6 }]);
    // Compressible values: librdkafka sends a batch uncompressed when LZ4 would not make it smaller.
    const input = Array.from({ length: 60 }, (_, index) => ({ key: `user-${index % 13}`, value: `event ${index} ${'abc'.repeat(40)}` }));
    const before = Date.now();
    const produced = await kcat(server.port, ['-P', '-t', 'keyed', '-K:', '-z', 'lz4', '-H', 'source=kcat', '-X', 'topic.partitioner=murmur2_random', '-X', 'linger.ms=100', '-d', 'msg'], input.map(({ key, value }) => `${key}:${value}\n`).join(''));
    const after = Date.now();
    expect(produced.status, produced.stderr).toBe(0);

    // Stored as sent: LZ4 batches (codec 3), or uncompressed ones where librdkafka decided not to
    // compress (see the next test). Every record accounted for.
    let stored = 0;
    for (let partition = 0; partition < 6; partition++) {
      const batches = decodeRecordBatches((await server.broker.fetch('keyed', partition, 0, 1 << 24)).records);
      for (const batch of batches) expect(batch.header.attributes & 7).toBe(compressionUsed(produced.stderr, 'lz4'));
      stored += batches.reduce((sum, batch) => sum + batch.records.length, 0);
    }
    expect(stored).toBe(60);

    const consumed = await kcat(server.port, ['-C', '-t', 'keyed', '-o', 'beginning', '-e', '-f', '%k|%s|%o|%p|%T|%h\\n']);
    expect(consumed.status, consumed.stderr).toBe(0);
    const got = lines(consumed.stdout).map((line) => {
      const [key, value, offset, partition, timestamp, headers] = line.split('|');
      return { key: key!, value: value!, offset: Number(offset), partition: Number(partition), timestamp: Number(timestamp), headers: headers! };
    });
    // The expected placement: Java's partitioner, and within a partition the input order from offset 0.
    const expected = new Map<number, { key: string; value: string }[]>();
    for (const record of input) {
      const partition = partitionForKey(record.key, 6);
      expected.set(partition, [...(expected.get(partition) ?? []), record]);
    }
    expect(got).toHaveLength(60);
    for (let partition = 0; partition < 6; partition++) {
      expect(
        got.filter((record) => record.partition === partition).map(({ key, value, offset }) => ({ key, value, offset })),
        `partition ${partition}`,
      ).toEqual((expected.get(partition) ?? []).map((record, offset) => ({ ...record, offset })));
    }
    for (const record of got) {
      expect(record.headers).toBe('source=kcat');
      expect(record.timestamp).toBeGreaterThanOrEqual(before);
      expect(record.timestamp).toBeLessThanOrEqual(after);
    }
    expect(new Set(got.map((record) => record.partition)).size).toBeGreaterThan(1);

    // librdkafka's own default (consistent_random: CRC32) is not Java's: still one partition per key.
    const crc = await kcat(server.port, ['-P', '-t', 'keyed-crc', '-K:', '-z', 'lz4'], input.map(({ key, value }) => `${key}:${value}\n`).join(''));
    expect(crc.status, crc.stderr).toBe(0);
    const crcGot = await kcat(server.port, ['-C', '-t', 'keyed-crc', '-o', 'beginning', '-e', '-f', '%k %p\\n']);
    const partitionsByKey = new Map<string, Set<string>>();
    for (const line of lines(crcGot.stdout)) {
      const [key, partition] = line.split(' ');
      partitionsByKey.set(key!, (partitionsByKey.get(key!) ?? new Set()).add(partition!));
    }
    expect(partitionsByKey.size).toBe(13);
    for (const partitions of partitionsByKey.values()) expect(partitions.size).toBe(1);
  });

  it('-z gzip / -z lz4: librdkafka really compresses, and the records arrive intact', async () => {
    const server = await serve();
    const input = Array.from({ length: 30 }, (_, index) => `k${index}:value ${index} ${'abc'.repeat(40)}`).join('\n') + '\n';
    for (const codec of ['gzip', 'lz4'] as const) {
      const produced = await kcat(server.port, ['-P', '-t', `c-${codec}`, '-K:', '-z', codec, '-d', 'msg', '-X', 'linger.ms=100'], input);
      expect(produced.status, produced.stderr).toBe(0);
      const batches = decodeRecordBatches((await server.broker.fetch(`c-${codec}`, 0, 0, 1 << 24)).records);
      const used = compressionUsed(produced.stderr, codec);
      expect(used).toBe(codec === 'gzip' ? 1 : 3); // not sent uncompressed (librdkafka #4956)
      expect(batches.map((batch) => batch.header.attributes & 7)).toEqual(batches.map(() => used));
      expect(batches.flatMap((batch) => batch.records.map((record) => `${record.key!.toString()}:${record.value!.toString()}`))).toEqual(lines(input));
      const consumed = await kcat(server.port, ['-C', '-t', `c-${codec}`, '-o', 'beginning', '-e', '-f', '%k:%s\\n']);
      expect(lines(consumed.stdout)).toEqual(lines(input));
    }
  });

  // Produce checks every record of a batch from the wire, so a codec Strata cannot read (zstd) is
  // refused with UNSUPPORTED_COMPRESSION_TYPE instead of being stored unreadable.
  it('-z zstd: a batch Strata cannot decode is refused, not stored', async () => {
    const server = await serve();
    await createTopics(server, [{ topic: 'zstd', numPartitions: 1 }]);
    const input = Array.from({ length: 20 }, (_, index) => `k${index}:value ${index} ${'abc'.repeat(40)}`).join('\n') + '\n';
    const produced = await kcat(server.port, ['-P', '-t', 'zstd', '-K:', '-z', 'zstd', '-X', 'message.timeout.ms=5000'], input);
    const { records } = await server.broker.fetch('zstd', 0, 0, 1 << 24);
    const codecs: number[] = [];
    for (let position = 0; position < records.length; position += records.readInt32BE(position + 8) + 12) codecs.push(records.readInt16BE(position + 21) & 7);
    const query = await kcat(server.port, ['-Q', '-t', `zstd:0:${Date.now() - 60_000}`]);
    expect({ codecs, queryStatus: query.status, queryError: query.stderr, produceFailed: produced.status !== 0 || produced.stderr.includes('Unsupported compression') }).toEqual({
      codecs: [],
      queryStatus: 0,
      queryError: '',
      produceFailed: true
    });
  });

  it('-o s@<ts> and e@<ts> start and stop by time; -Q answers offsets by time (kafkajs wrote the timestamps)', async () => {
    const server = await serve();
    await createTopics(server, [{ topic: 'times', numPartitions: 2 }]);
    const producer = kafka(server).producer();
    await producer.connect();
    const t = 1_600_000_000_000;
    // Partition 0: one batch. Partition 1: one batch per record.
    await producer.send({ topic: 'times', messages: [0, 1000, 2000, 3000].map((delta) => ({ partition: 0, key: `k${delta}`, value: `p0-${delta}`, timestamp: String(t + delta) })) });
    for (const delta of [500, 1500, 2500]) await producer.send({ topic: 'times', messages: [{ partition: 1, key: `k${delta}`, value: `p1-${delta}`, timestamp: String(t + delta) }] });
    await producer.disconnect();

    const consume = async (...offsets: string[]) => {
      const run = await kcat(server.port, ['-C', '-t', 'times', ...offsets.flatMap((offset) => ['-o', offset]), '-e', '-f', '%p %o %T %k %s\\n']);
      expect(run.status, run.stderr).toBe(0);
      return lines(run.stdout).sort();
    };
    expect(await consume(`s@${t + 1500}`)).toEqual([`0 2 ${t + 2000} k2000 p0-2000`, `0 3 ${t + 3000} k3000 p0-3000`, `1 1 ${t + 1500} k1500 p1-1500`, `1 2 ${t + 2500} k2500 p1-2500`]);
    expect(await consume(`s@${t}`)).toHaveLength(7);
    expect(await consume(`s@${t + 2600}`)).toEqual([`0 3 ${t + 3000} k3000 p0-3000`]);
    expect(await consume(`s@${t + 500}`, `e@${t + 2500}`)).toEqual([`0 1 ${t + 1000} k1000 p0-1000`, `0 2 ${t + 2000} k2000 p0-2000`, `1 0 ${t + 500} k500 p1-500`, `1 1 ${t + 1500} k1500 p1-1500`]);

    const query = async (timestamp: number) => {
      const run = await kcat(server.port, ['-Q', '-t', `times:0:${timestamp}`, '-t', `times:1:${timestamp}`]);
      expect(run.status, run.stderr).toBe(0);
      return lines(run.stdout).sort();
    };
    expect(await query(t - 1)).toEqual(['times [0] offset 0', 'times [1] offset 0']);
    expect(await query(t + 1500)).toEqual(['times [0] offset 2', 'times [1] offset 1']);
    expect(await query(t + 2500)).toEqual(['times [0] offset 3', 'times [1] offset 2']);
    expect(await query(t + 3000)).toEqual(['times [0] offset 3', 'times [1] offset -1']); // -1: no record that late
    expect(await query(t + 3001)).toEqual(['times [0] offset -1', 'times [1] offset -1']);
  });

  for (const strategy of ['range,roundrobin', 'cooperative-sticky']) {
    it(`-G (${strategy}): two kcat processes share a topic, each gets partitions, together they print every record once; a third resumes from the commits`, async () => {
      const server = await serve();
      await createTopics(server, [{ topic: 'work', numPartitions: 4 }]);
      const admin = await adminOf(server);
      const groupArgs = ['-G', 'crew', '-X', `partition.assignment.strategy=${strategy}`, '-X', 'auto.offset.reset=earliest', '-X', 'heartbeat.interval.ms=100', '-X', 'session.timeout.ms=6000', '-X', 'fetch.wait.max.ms=100', '-u', '-f', '%p %o %k %s\\n'];
      const first = startKcat(server.port, [...groupArgs, 'work']);
      await waitFor(async () => (await groupState(admin, 'crew', 'work')).state === 'Stable', 'the first kcat to join', 20_000);
      const second = startKcat(server.port, [...groupArgs, 'work']);
      const assigned: number[][] = [];
      await waitFor(async () => {
        const { state, partitions } = await groupState(admin, 'crew', 'work');
        if (state !== 'Stable' || partitions.length !== 2 || !partitions.every((each) => each.length === 2)) return false;
        assigned.splice(0, 2, await assignmentOf(admin, 'crew', 'work', first.stderr()), await assignmentOf(admin, 'crew', 'work', second.stderr()));
        return assigned.every((each) => each.length === 2);
      }, 'both kcat processes to have two partitions', 20_000).catch((error: Error) => {
        throw new Error(`${error.message}\nfirst: ${first.stderr()}\nsecond: ${second.stderr()}`);
      });
      expect((await groupState(admin, 'crew', 'work')).protocol).toBe(strategy.split(',')[0]);
      expect([...assigned[0]!, ...assigned[1]!].sort()).toEqual([0, 1, 2, 3]);

      const messages = Array.from({ length: 40 }, (_, index) => ({ key: `job-${index}`, value: `payload-${index}` }));
      const produced = await kcat(server.port, ['-P', '-t', 'work', '-K:', '-X', 'topic.partitioner=murmur2_random'], messages.map(({ key, value }) => `${key}:${value}\n`).join(''));
      expect(produced.status, produced.stderr).toBe(0);
      await waitFor(() => lines(first.stdout()).length + lines(second.stdout()).length >= 40, 'the group to print all 40 records');
      await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more may come

      const parse = (output: string) =>
        lines(output).map((line) => {
          const [partition, offset, key, value] = line.split(' ');
          return { partition: Number(partition), offset: Number(offset), key: key!, value: value! };
        });
      const printed = [parse(first.stdout()), parse(second.stdout())];
      const everything = printed.flat();
      expect(everything.map((record) => record.key).sort()).toEqual(messages.map((message) => message.key).sort());
      for (const record of everything) {
        expect(record.partition).toBe(partitionForKey(record.key, 4));
        expect(record.value).toBe(record.key.replace('job', 'payload'));
      }
      for (const [index, records] of printed.entries()) {
        expect(records.length, `kcat ${index} printed records`).toBeGreaterThan(0);
        for (const record of records) expect(assigned[index]).toContain(record.partition);
      }

      // SIGTERM: kcat commits what it consumed and leaves the group.
      first.child.kill('SIGTERM');
      second.child.kill('SIGTERM');
      const [firstRun, secondRun] = await Promise.all([first.done, second.done]);
      expect([firstRun.status, secondRun.status]).toEqual([0, 0]);
      await waitFor(async () => (await groupState(admin, 'crew', 'work')).state === 'Empty', 'the group to be empty');
      const endOffsets = [0, 1, 2, 3].map((partition) => messages.filter((message) => partitionForKey(message.key, 4) === partition).length);
      expect(await admin.fetchOffsets({ groupId: 'crew', topics: ['work'] })).toEqual([
        { topic: 'work', partitions: endOffsets.map((offset, partition) => expect.objectContaining({ partition, offset: String(offset) })) },
      ]);

      // A new member resumes from the commits: only what was produced since.
      const more = Array.from({ length: 8 }, (_, index) => `late-${index}:after-${index}`).join('\n');
      expect((await kcat(server.port, ['-P', '-t', 'work', '-K:', '-X', 'topic.partitioner=murmur2_random'], `${more}\n`)).status).toBe(0);
      const third = startKcat(server.port, [...groupArgs, 'work']);
      await waitFor(() => lines(third.stdout()).length >= 8, 'the third kcat to print the 8 new records').catch((error: Error) => {
        throw new Error(`${error.message}\n${third.stderr()}`);
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      third.child.kill('SIGTERM');
      await third.done;
      const resumed = parse(third.stdout());
      expect(resumed.map((record) => record.key).sort()).toEqual(Array.from({ length: 8 }, (_, index) => `late-${index}`).sort());
      for (let partition = 0; partition < 4; partition++) {
        const late = resumed.filter((record) => record.partition === partition);
        expect(late.map((record) => record.offset)).toEqual(late.map((_, index) => endOffsets[partition]! + index));
        for (const record of late) expect(partitionForKey(record.key, 4)).toBe(partition);
      }
    });
  }
});
