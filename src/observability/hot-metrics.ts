/**
 * Counters and histograms for the hot path (every request, every record batch): a series is a
 * plain object the caller keeps, so counting is one addition and observing a latency one short
 * loop over the bucket bounds — no label hashing or validation per call, as prom-client's own
 * metrics do. They register in a prom-client Registry as custom metrics and render at scrape time
 * in the same text format (`<name>_bucket{le=…}`, `_sum`, `_count` for histograms).
 */

import type { Registry } from 'prom-client';

/** Series per metric are bounded by their labels (APIs, topics); this catches a runaway label. */
const MAX_SERIES = 100_000;

type Labels<L extends string> = Record<L, string>;

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

abstract class HotMetric<L extends string, S extends { labels: Labels<L> }> {
  private readonly series = new Map<string, S>();

  constructor(
    registry: Registry,
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
  ) {
    registry.registerMetric(this as never);
  }

  /** The series of one label set, created on first use: keep it and update it directly. */
  child(labels: Labels<L>): S {
    const key = this.keyOf(labels);
    let series = this.series.get(key);
    if (series === undefined) {
      if (this.series.size >= MAX_SERIES) throw new Error(`metric ${this.name}: more than ${MAX_SERIES} series`);
      series = this.create({ ...labels });
      this.series.set(key, series);
    }
    return series;
  }

  remove(labels: Labels<L>): void {
    this.series.delete(this.keyOf(labels));
  }

  /** prom-client's view of the metric (called when the registry is scraped). */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: MetricValue[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values: [...this.series.values()].flatMap((series) => this.valuesOf(series)) };
  }

  /** prom-client calls this on Registry.resetMetrics(). */
  reset(): void {
    this.series.clear();
  }

  abstract readonly type: string;
  protected abstract create(labels: Labels<L>): S;
  protected abstract valuesOf(series: S): MetricValue[];

  private keyOf(labels: Labels<L>): string {
    return this.labelNames.map((name) => labels[name]).join('\u0000');
  }
}

export interface CounterSeries<L extends string> {
  labels: Labels<L>;
  value: number;
}

export class HotCounter<L extends string = never> extends HotMetric<L, CounterSeries<L>> {
  readonly type = 'counter';

  protected create(labels: Labels<L>): CounterSeries<L> {
    return { labels, value: 0 };
  }

  protected valuesOf(series: CounterSeries<L>): MetricValue[] {
    return [{ labels: series.labels, value: series.value }];
  }
}

export class HistogramSeries<L extends string> {
  sum = 0;
  count = 0;
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly buckets: Float64Array;

  constructor(
    readonly labels: Labels<L>,
    private readonly bounds: readonly number[],
  ) {
    this.buckets = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let index = 0;
    while (index < this.bounds.length && value > this.bounds[index]!) index++;
    this.buckets[index]!++;
    this.sum += value;
    this.count++;
  }
}

export class HotHistogram<L extends string = never> extends HotMetric<L, HistogramSeries<L>> {
  readonly type = 'histogram';

  constructor(registry: Registry, name: string, help: string, labelNames: readonly L[], private readonly bounds: readonly number[]) {
    super(registry, name, help, labelNames);
  }

  protected create(labels: Labels<L>): HistogramSeries<L> {
    return new HistogramSeries(labels, this.bounds);
  }

  protected valuesOf(series: HistogramSeries<L>): MetricValue[] {
    const values: MetricValue[] = [];
    let cumulative = 0;
    for (let index = 0; index <= this.bounds.length; index++) {
      cumulative += series.buckets[index]!;
      values.push({ labels: { ...series.labels, le: index < this.bounds.length ? this.bounds[index]! : '+Inf' }, value: cumulative, metricName: `${this.name}_bucket` });
    }
    values.push({ labels: series.labels, value: series.sum, metricName: `${this.name}_sum` });
    values.push({ labels: series.labels, value: series.count, metricName: `${this.name}_count` });
    return values;
  }
}
