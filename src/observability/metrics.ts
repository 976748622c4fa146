/**
 * Strata's Prometheus metrics (prom-client, in a registry of their own). Two kinds:
 *
 * - Counted as things happen, per request or per record batch (never per record): requests and
 *   their latency per API, error codes in responses, records and bytes in and out per topic,
 *   fsync latency, recovery truncations, segment deletions, cleaner runs. These come in through
 *   `brokerObserver` (give it to BrokerCore as `observer`) and `requestObserver` (the dispatcher).
 * - Computed when scraped, from the broker as it is: bytes on disk and log start/end offsets per
 *   partition, consumer-group lag per partition (committed offsets against end offsets, exactly as
 *   `Admin.describeGroup` reports it), active connections, recovery figures of the last start.
 *
 * Embedded use: `const metrics = new StrataMetrics(); const broker = await Broker.open({ dataDir,
 * observer: metrics.brokerObserver }); metrics.watch({ broker: broker.core });` then serve
 * `await metrics.registry.metrics()` (content type `metrics.registry.contentType`).
 */

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BrokerCore } from '../broker/broker-core.js';
import type { BrokerEvent, BrokerObserver } from '../broker/broker-observer.js';
import { KafkaErrorCode } from '../broker/kafka-error-codes.js';
import { Admin } from '../client/admin.js';
import type { RequestObserver } from '../protocol/request-observer.js';
import { HotCounter, HotHistogram, type CounterSeries, type HistogramSeries } from './hot-metrics.js';
import { errorCodesIn } from './response-errors.js';

export interface MetricsOptions {
  /** Also export Node's process metrics (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …). Default true. */
  processMetrics?: boolean;
}

/** What the scrape-time gauges read. */
export interface MetricsSources {
  broker: BrokerCore;
  /** Open client connections of the wire listener. */
  connections?: () => number;
}

/** Request latency buckets (seconds): 100 µs to 10 s; long polls land in the top ones. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** fsync buckets (seconds): 50 µs to 5 s. */
const FSYNC_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

const ERROR_NAMES = new Map<number, string>(Object.entries(KafkaErrorCode).map(([name, code]) => [code, name]));

export class StrataMetrics {
  readonly registry = new Registry();
  private sources: MetricsSources | null = null;

  // Hot path (every request, every batch): plain-number series (./hot-metrics.ts).
  private readonly requests = new HotCounter(this.registry, 'strata_requests_total', 'Kafka requests answered, by API', ['api']);
  private readonly requestSeconds = new HotHistogram(this.registry, 'strata_request_duration_seconds', 'Time from decoding a request to its response, by API', ['api'], LATENCY_BUCKETS);
  private readonly errors = this.counter('strata_errors_total', 'Error codes in responses (per partition or group where the API answers per item), by API and Kafka error name', ['api', 'error']);
  private readonly recordsIn = new HotCounter(this.registry, 'strata_records_in_total', 'Records appended, by topic (retried duplicates not counted)', ['topic']);
  private readonly bytesIn = new HotCounter(this.registry, 'strata_bytes_in_total', 'Record batch bytes appended, by topic', ['topic']);
  private readonly recordsOut = new HotCounter(this.registry, 'strata_records_out_total', 'Records handed to readers (whole batches), by topic', ['topic']);
  private readonly bytesOut = new HotCounter(this.registry, 'strata_bytes_out_total', 'Record batch bytes handed to readers, by topic', ['topic']);
  private readonly fsyncSeconds = new HotHistogram(this.registry, 'strata_fsync_duration_seconds', 'fdatasync latency of storage files', [], FSYNC_BUCKETS).child({});
  private readonly truncations = this.counter('strata_recovery_truncations_total', 'Segments cut at a torn or corrupt batch by crash recovery');
  private readonly truncatedBytes = this.counter('strata_recovery_truncated_bytes_total', 'Bytes cut off segments by crash recovery');
  private readonly segmentDeletions = this.counter('strata_segments_deleted_total', 'Segments deleted, by reason (retention-time, retention-size, log-start-offset, truncation, recovery)', ['reason']);
  private readonly logsOffline = this.counter('strata_logs_offline_total', 'Partition logs taken offline after a failed write or fsync');
  private readonly topicChanges = this.counter('strata_topic_changes_total', 'Topics created and deleted', ['change']);
  private readonly rebalances = this.counter('strata_group_rebalances_total', 'Consumer group rebalances completed (new generations)', ['group']);
  private readonly cleanerRuns = this.counter('strata_cleaner_runs_total', 'Log cleaner (compaction) passes over a partition');
  private readonly cleanerReclaimedBytes = this.counter('strata_cleaner_reclaimed_bytes_total', 'Bytes freed by the log cleaner');
  private readonly cleanerSeconds = new Histogram({ name: 'strata_cleaner_duration_seconds', help: 'Duration of one log cleaner pass', buckets: [0.01, 0.1, 0.5, 1, 5, 30, 120, 600], registers: [this.registry] });

  /** Children per API and per topic, so the hot path does no label hashing. */
  private readonly apiCounters = new Map<string, { api: string; requests: CounterSeries<'api'>; seconds: HistogramSeries<'api'> }>();
  private readonly topicCounters = new Map<string, { recordsIn: CounterSeries<'topic'>; bytesIn: CounterSeries<'topic'>; recordsOut: CounterSeries<'topic'>; bytesOut: CounterSeries<'topic'> }>();

  constructor(options: MetricsOptions = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.partitionGauge('strata_partition_size_bytes', 'Bytes on disk of a partition (all its segments)', (log) => log.sizeBytes);
    this.partitionGauge('strata_partition_log_start_offset', 'First offset still readable in a partition', (log) => log.logStartOffset);
    this.partitionGauge('strata_partition_log_end_offset', 'Offset the next record appended to a partition gets', (log) => log.logEndOffset);
    this.recoveryGauge('strata_recovery_segments_scanned', 'Segments read batch by batch by recovery at the last start', (stats) => stats.segmentsScanned);
    this.recoveryGauge('strata_recovery_scanned_bytes', 'Bytes read by recovery at the last start', (stats) => stats.bytesScanned);
    this.recoveryGauge('strata_recovery_duration_seconds', 'Time spent opening and recovering partition logs at the last start (sum over partitions)', (stats) => stats.durationMs / 1000);
    this.sourceGauge('strata_last_shutdown_clean', '1 when the previous broker on this data directory shut down cleanly (no recovery scan); 0 after a crash or for a new directory', [], (gauge, { broker }) => {
      const first = broker.topics.allPartitions().next();
      if (!first.done) gauge.set(first.value.log.recovery.cleanShutdown ? 1 : 0);
    });
    this.sourceGauge('strata_active_connections', 'Open client connections to the Kafka listener', [], (gauge, { connections }) => {
      if (connections) gauge.set(connections());
    });
    this.sourceGauge('strata_topics', 'Topics (internal ones included)', [], (gauge, { broker }) => gauge.set(broker.topics.list().length));
    this.groupLagGauges();
  }

  /** Feed for BrokerCoreOptions.observer. */
  readonly brokerObserver: BrokerObserver = {
    onEvent: (event) => this.onEvent(event),
    onProduce: (topic, _partition, recordCount, sizeBytes) => {
      const counters = this.countersOf(topic);
      counters.recordsIn.value += recordCount;
      counters.bytesIn.value += sizeBytes;
    },
    onFetch: (topic, _partition, recordCount, sizeBytes) => {
      const counters = this.countersOf(topic);
      counters.recordsOut.value += recordCount;
      counters.bytesOut.value += sizeBytes;
    },
    onFsync: (durationSeconds) => this.fsyncSeconds.observe(durationSeconds),
  };

  /** Feed for the dispatcher (ServeOptions.requestObserver). */
  readonly requestObserver: RequestObserver = {
    onResponse: (apiName, startNs, response) => this.observeRequest(apiName, startNs, errorCodesIn(response)),
  };

  /** One answered request: its latency since `startNs` (process.hrtime.bigint()) and the error codes in it. */
  observeRequest(apiName: string, startNs: bigint, errorCodes: readonly number[]): void {
    const counters = this.apiCountersOf(apiName);
    counters.seconds.observe(Number(process.hrtime.bigint() - startNs) / 1e9);
    counters.requests.value++;
    for (const code of errorCodes) this.errors.inc({ api: counters.api, error: ERROR_NAMES.get(code) ?? String(code) });
  }

  /** Starts the scrape-time gauges (partitions, lag, connections); before this they are absent. */
  watch(sources: MetricsSources): void {
    this.sources = sources;
  }

  private onEvent(event: BrokerEvent): void {
    switch (event.type) {
      case 'recovery-truncated':
        this.truncations.inc();
        this.truncatedBytes.inc(event.truncatedBytes);
        break;
      case 'segment-deleted':
        this.segmentDeletions.inc({ reason: event.reason });
        break;
      case 'log-offline':
        this.logsOffline.inc();
        break;
      case 'topic-created':
      case 'topic-deleted':
        this.topicChanges.inc({ change: event.type === 'topic-created' ? 'created' : 'deleted' });
        if (event.type === 'topic-deleted') this.forgetTopic(event.topic);
        break;
      case 'group-rebalanced':
        this.rebalances.inc({ group: event.groupId });
        break;
      case 'log-cleaned':
        this.cleanerRuns.inc();
        this.cleanerReclaimedBytes.inc(Math.max(0, event.bytesBefore - event.bytesAfter));
        this.cleanerSeconds.observe(event.durationMs / 1000);
        break;
    }
  }

  private apiCountersOf(requestName: string) {
    let counters = this.apiCounters.get(requestName);
    if (counters === undefined) {
      const api = apiLabel(requestName);
      counters = { api, requests: this.requests.child({ api }), seconds: this.requestSeconds.child({ api }) };
      this.apiCounters.set(requestName, counters);
    }
    return counters;
  }

  private countersOf(topic: string) {
    let counters = this.topicCounters.get(topic);
    if (counters === undefined) {
      counters = { recordsIn: this.recordsIn.child({ topic }), bytesIn: this.bytesIn.child({ topic }), recordsOut: this.recordsOut.child({ topic }), bytesOut: this.bytesOut.child({ topic }) };
      this.topicCounters.set(topic, counters);
    }
    return counters;
  }

  /** A deleted topic's series go (a topic re-created under the name starts from zero). */
  private forgetTopic(topic: string): void {
    this.topicCounters.delete(topic);
    for (const counter of [this.recordsIn, this.bytesIn, this.recordsOut, this.bytesOut]) counter.remove({ topic });
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private sourceGauge<L extends string>(name: string, help: string, labelNames: L[], fill: (gauge: Gauge<L>, sources: MetricsSources) => void | Promise<void>): void {
    const metrics = this;
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        if (metrics.sources !== null) await fill(this, metrics.sources);
      },
    });
  }

  private partitionGauge(name: string, help: string, value: (log: PartitionLogView) => number): void {
    this.sourceGauge(name, help, ['topic', 'partition'], (gauge, { broker }) => {
      for (const { topic, partition, log } of broker.topics.allPartitions()) gauge.set({ topic, partition: String(partition) }, value(log));
    });
  }

  private recoveryGauge(name: string, help: string, value: (stats: PartitionLogView['recovery']) => number): void {
    this.sourceGauge(name, help, [], (gauge, { broker }) => {
      let total = 0;
      for (const { log } of broker.topics.allPartitions()) total += value(log.recovery);
      gauge.set(total);
    });
  }

  /** Lag per group and partition, and the committed offsets it comes from, read at scrape time. */
  private groupLagGauges(): void {
    // Both gauges of one scrape read one snapshot: prom-client starts every collect of a scrape
    // synchronously, so the second finds the first's reading still pending, and it is dropped once read.
    let snapshot: Promise<GroupOffsetRow[]> | null = null;
    const rows = (broker: BrokerCore): Promise<GroupOffsetRow[]> =>
      (snapshot ??= groupOffsetRows(broker).finally(() => {
        snapshot = null;
      }));
    const labelsOf = (row: GroupOffsetRow) => ({ group: row.group, topic: row.topic, partition: String(row.partition) });
    this.sourceGauge('strata_consumer_group_lag', "Records between a group's committed offset and the partition end (the whole partition when nothing is committed)", ['group', 'topic', 'partition'], async (gauge, { broker }) => {
      for (const row of await rows(broker)) gauge.set(labelsOf(row), row.lag);
    });
    this.sourceGauge('strata_consumer_group_committed_offset', "A group's committed offset per partition (-1: nothing committed yet)", ['group', 'topic', 'partition'], async (gauge, { broker }) => {
      for (const row of await rows(broker)) gauge.set(labelsOf(row), row.committedOffset);
    });
  }
}

type PartitionLogView = ReturnType<BrokerCore['topics']['partition']>;

interface GroupOffsetRow {
  group: string;
  topic: string;
  partition: number;
  committedOffset: number;
  lag: number;
}

async function groupOffsetRows(broker: BrokerCore): Promise<GroupOffsetRow[]> {
  const admin = new Admin(broker);
  const rows: GroupOffsetRow[] = [];
  for (const { groupId } of await admin.listGroups()) {
    try {
      const description = await admin.describeGroup(groupId);
      for (const offset of description.offsets) rows.push({ group: groupId, topic: offset.topic, partition: offset.partition, committedOffset: offset.committedOffset, lag: offset.lag });
    } catch {
      // The group went away between listing and describing it: it has no lag to report.
    }
  }
  return rows;
}

/** "ProduceRequest" → "Produce". */
function apiLabel(requestName: string): string {
  return requestName.endsWith('Request') ? requestName.slice(0, -'Request'.length) : requestName;
}
