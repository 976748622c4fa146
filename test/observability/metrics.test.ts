// /metrics over real HTTP while kafkajs talks to `strata serve` over real sockets: counters move by
// exactly what was produced, lag is what the group's committed offsets imply, health endpoints.
import { describe, expect, it } from 'vitest';
import { Broker } from '../../src/client/broker.js';
import { Admin } from '../../src/client/admin.js';
import { StrataMetrics } from '../../src/observability/metrics.js';
import { connected, disconnect } from '../support/kafkajs-clients.js';
import { tempDir } from '../support/temp-dir.js';
import { parseExposition, scrape, startObservedServer, value } from './support.js';

const sizeOf = (samples: Map<string, number>, topic: string, partitions: number) =>
  Array.from({ length: partitions }, (_, p) => value(samples, `strata_partition_size_bytes{partition="${p}",topic="${topic}"}`)).reduce((a, b) => a + b, 0);

describe('metrics', () => {
  it('records and bytes in count exactly what kafkajs produced; per-partition gauges match the broker', async () => {
    const { server, httpUrl, kafka } = await startObservedServer();
    const admin = await connected(kafka.admin());
    await admin.createTopics({ topics: [{ topic: 'metered', numPartitions: 2 }] });
    const before = await scrape(httpUrl);
    expect(sizeOf(before, 'metered', 2)).toBe(0);

    const producer = await connected(kafka.producer({ idempotent: true, maxInFlightRequests: 1 }));
    await producer.send({ topic: 'metered', acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, value: `value-${i}` })) });
    await producer.send({ topic: 'metered', acks: -1, messages: [{ partition: 1, value: 'x'.repeat(1000) }] });

    const after = await scrape(httpUrl);
    expect(value(after, 'strata_records_in_total{topic="metered"}') - value(before, 'strata_records_in_total{topic="metered"}')).toBe(31);
    const description = await server.broker.topics.describe('metered');
    const bytesOnDisk = description.partitions.reduce((sum, p) => sum + p.sizeBytes, 0);
    // Every appended batch byte is on disk: the bytes-in counter equals the growth of the logs.
    expect(value(after, 'strata_bytes_in_total{topic="metered"}')).toBe(bytesOnDisk);
    expect(sizeOf(after, 'metered', 2)).toBe(bytesOnDisk);
    for (const p of description.partitions) {
      expect(value(after, `strata_partition_log_end_offset{partition="${p.partition}",topic="metered"}`)).toBe(p.logEndOffset);
      expect(value(after, `strata_partition_log_start_offset{partition="${p.partition}",topic="metered"}`)).toBe(0);
    }
    expect(description.partitions.reduce((sum, p) => sum + p.logEndOffset, 0)).toBe(31);
    expect(value(after, 'strata_requests_total{api="Produce"}') - value(before, 'strata_requests_total{api="Produce"}')).toBeGreaterThanOrEqual(2);
    expect(value(after, 'strata_request_duration_seconds_count{api="Produce"}')).toBe(value(after, 'strata_requests_total{api="Produce"}'));
    expect(value(after, 'strata_request_duration_seconds_bucket{api="Produce",le="+Inf"}')).toBe(value(after, 'strata_requests_total{api="Produce"}'));
    expect(value(after, 'strata_fsync_duration_seconds_count')).toBeGreaterThan(value(before, 'strata_fsync_duration_seconds_count'));
    expect(value(after, 'strata_active_connections')).toBeGreaterThanOrEqual(1);
    expect(value(after, 'strata_topic_changes_total{change="created"}')).toBe(1);

    // A refused request shows up under its error code.
    await expect(admin.createTopics({ topics: [{ topic: 'metered' }] })).resolves.toBe(false);
    const refused = await scrape(httpUrl);
    expect(value(refused, 'strata_errors_total{api="CreateTopics",error="TOPIC_ALREADY_EXISTS"}')).toBe(1);
  });

  it('fetch counters and consumer-group lag equal what the committed offsets imply', async () => {
    const { server, httpUrl, kafka } = await startObservedServer();
    const admin = await connected(kafka.admin());
    await admin.createTopics({ topics: [{ topic: 'lagging', numPartitions: 2 }] });
    const producer = await connected(kafka.producer());
    await producer.send({ topic: 'lagging', messages: Array.from({ length: 12 }, (_, i) => ({ partition: i % 2, value: `m${i}` })) });

    const consumer = await connected(kafka.consumer({ groupId: 'billing', sessionTimeout: 10_000 }));
    await consumer.subscribe({ topic: 'lagging', fromBeginning: true });
    let seen = 0;
    const allSeen = new Promise<void>((resolve) => {
      void consumer.run({ autoCommit: false, eachMessage: async ({ topic, partition, message }) => {
        await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
        if (++seen === 12) resolve();
      } });
    });
    await allSeen;
    await disconnect(consumer);

    const caughtUp = await scrape(httpUrl);
    expect(value(caughtUp, 'strata_consumer_group_lag{group="billing",partition="0",topic="lagging"}')).toBe(0);
    expect(value(caughtUp, 'strata_consumer_group_committed_offset{group="billing",partition="1",topic="lagging"}')).toBe(6);
    expect(value(caughtUp, 'strata_records_out_total{topic="lagging"}')).toBeGreaterThanOrEqual(12);
    expect(value(caughtUp, 'strata_bytes_out_total{topic="lagging"}')).toBeGreaterThan(0);
    expect(value(caughtUp, 'strata_group_rebalances_total{group="billing"}')).toBeGreaterThanOrEqual(1);

    // 5 more on partition 0, 2 more on partition 1, nobody consuming: lag 5 and 2.
    await producer.send({ topic: 'lagging', messages: [0, 0, 0, 0, 0, 1, 1].map((partition, i) => ({ partition, value: `late${i}` })) });
    const behind = await scrape(httpUrl);
    const described = await new Admin(server.broker).describeGroup('billing');
    expect(described.offsets.map((o) => o.lag)).toEqual([5, 2]);
    for (const offset of described.offsets) {
      expect(value(behind, `strata_consumer_group_lag{group="billing",partition="${offset.partition}",topic="lagging"}`)).toBe(offset.lag);
      expect(value(behind, `strata_consumer_group_committed_offset{group="billing",partition="${offset.partition}",topic="lagging"}`)).toBe(offset.committedOffset);
    }
  });

  it('/healthz answers at once, /readyz only once storage is recovered and the listener bound', async () => {
    const { server, observability, httpUrl } = await startObservedServer({ attach: false });
    expect((await fetch(`${httpUrl}/healthz`)).status).toBe(200);
    const starting = await fetch(`${httpUrl}/readyz`);
    expect(starting.status).toBe(503);
    expect(await starting.json()).toEqual({ status: 'starting' });
    observability.attach(server);
    const ready = await fetch(`${httpUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect((await fetch(`${httpUrl}/console/`)).status).toBe(404); // the console is off unless asked for
  });

  it('embedded: a background cleaner pass shows in the cleaner metrics (runs, bytes reclaimed, duration)', async () => {
    const metrics = new StrataMetrics({ processMetrics: false });
    const broker = await Broker.open({ dataDir: tempDir(), observer: metrics.brokerObserver, logCleanerBackoffMs: 10 });
    try {
      await broker.admin.createTopic('compacted', { partitions: 1, config: { 'cleanup.policy': 'compact', 'segment.bytes': 1024, 'min.cleanable.dirty.ratio': 0.01 } });
      const producer = broker.producer({ acks: 1 });
      for (let round = 0; round < 30; round++) await producer.send('compacted', Array.from({ length: 4 }, (_, index) => ({ key: `k${index}`, value: `round ${round}` })));
      const deadline = Date.now() + 30_000;
      let samples = parseExposition(await metrics.registry.metrics());
      while (value(samples, 'strata_cleaner_runs_total') === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        samples = parseExposition(await metrics.registry.metrics());
      }
      expect(value(samples, 'strata_cleaner_runs_total')).toBeGreaterThanOrEqual(1);
      expect(value(samples, 'strata_cleaner_reclaimed_bytes_total')).toBeGreaterThan(0);
      expect(value(samples, 'strata_cleaner_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    } finally {
      await broker.close();
    }
  });

  it('embedded: a broker opened with the metrics observer counts in-process production', async () => {
    const metrics = new StrataMetrics({ processMetrics: false });
    const broker = await Broker.open({ dataDir: tempDir(), observer: metrics.brokerObserver });
    try {
      metrics.watch({ broker: broker.core });
      await broker.admin.createTopic('embedded', { partitions: 1 });
      await broker.producer().send('embedded', [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
      const samples = parseExposition(await metrics.registry.metrics());
      expect(value(samples, 'strata_records_in_total{topic="embedded"}')).toBe(3);
      expect(value(samples, 'strata_partition_log_end_offset{partition="0",topic="embedded"}')).toBe(3);
      expect(value(samples, 'strata_bytes_in_total{topic="embedded"}')).toBe((await broker.admin.describeTopic('embedded')).partitions[0]!.sizeBytes);
    } finally {
      await broker.close();
    }
  });
});
