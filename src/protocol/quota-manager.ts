/**
 * Per-client-id byte-rate quotas for produce and fetch, answered Kafka's way (KIP-13, KIP-219):
 * a client over its quota is not refused; its response carries throttle_time_ms and the broker
 * stops reading from the connection for that long, so the client's rate falls to the quota.
 *
 * Each (kind, client id) has a virtual schedule: every request pushes the client's "caught up at"
 * time forward by bytes / rate; the throttle is how far that time runs ahead of now beyond a
 * burst allowance (one second's worth of quota, like Kafka's sample window). Over a long run the
 * bytes accepted stay within rate × elapsed + burst. Settings: `quota.producer.default`,
 * `quota.consumer.default` (bytes/s; unset = unlimited) and per client id
 * `quota.producer.overrides` / `quota.consumer.overrides` ("clientA=1048576,clientB=0").
 */

export interface QuotaSettings {
  producerDefaultBytesPerSecond?: number;
  consumerDefaultBytesPerSecond?: number;
  producerOverrides?: ReadonlyMap<string, number>;
  consumerOverrides?: ReadonlyMap<string, number>;
}

export type QuotaKind = 'produce' | 'fetch';

const BURST_MS = 1000;
/** Kafka caps a single throttle (quota.window.size.seconds × samples); so do we. */
const MAX_THROTTLE_MS = 30_000;
/** Clients idle this long are forgotten (bounds the table). */
const FORGET_AFTER_MS = 10 * 60 * 1000;
const MAX_TRACKED_CLIENTS = 100_000;

export class QuotaManager {
  private readonly caughtUpAt = new Map<string, number>();

  constructor(
    private readonly settings: QuotaSettings,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    const { producerDefaultBytesPerSecond, consumerDefaultBytesPerSecond, producerOverrides, consumerOverrides } = this.settings;
    return producerDefaultBytesPerSecond !== undefined || consumerDefaultBytesPerSecond !== undefined || (producerOverrides?.size ?? 0) > 0 || (consumerOverrides?.size ?? 0) > 0;
  }

  /** The quota of `clientId` in bytes/s, or undefined when it is unlimited. */
  quotaOf(kind: QuotaKind, clientId: string): number | undefined {
    const overrides = kind === 'produce' ? this.settings.producerOverrides : this.settings.consumerOverrides;
    return overrides?.get(clientId) ?? (kind === 'produce' ? this.settings.producerDefaultBytesPerSecond : this.settings.consumerDefaultBytesPerSecond);
  }

  /** Records `bytes` moved for `clientId`; returns the throttle time in ms (0: within quota). */
  record(kind: QuotaKind, clientId: string, bytes: number): number {
    const bytesPerSecond = this.quotaOf(kind, clientId);
    if (bytesPerSecond === undefined || bytes <= 0) return 0;
    const now = this.now();
    const key = `${kind}\u0000${clientId}`;
    if (!this.caughtUpAt.has(key) && this.caughtUpAt.size >= MAX_TRACKED_CLIENTS) this.forgetIdle(now);
    const start = Math.max(this.caughtUpAt.get(key) ?? now, now);
    const next = bytesPerSecond <= 0 ? now + MAX_THROTTLE_MS : start + (bytes * 1000) / bytesPerSecond;
    this.caughtUpAt.set(key, next);
    return Math.min(MAX_THROTTLE_MS, Math.max(0, Math.ceil(next - now - BURST_MS)));
  }

  private forgetIdle(now: number): void {
    for (const [key, caughtUpAt] of this.caughtUpAt) if (caughtUpAt < now - FORGET_AFTER_MS) this.caughtUpAt.delete(key);
    // Still full: forget the oldest entry (Map order is insertion order).
    if (this.caughtUpAt.size >= MAX_TRACKED_CLIENTS) this.caughtUpAt.delete(this.caughtUpAt.keys().next().value!);
  }
}

/** "clientA=1048576,clientB=2048" → Map. */
export function parseQuotaOverrides(text: string, key: string): Map<string, number> {
  const overrides = new Map<string, number>();
  for (const part of text.split(',').map((item) => item.trim()).filter((item) => item.length > 0)) {
    const equals = part.lastIndexOf('=');
    const rate = Number(part.slice(equals + 1));
    if (equals <= 0 || !Number.isFinite(rate) || rate < 0) throw new Error(`${key} takes clientId=bytesPerSecond pairs separated by commas, got ${JSON.stringify(part)}`);
    overrides.set(part.slice(0, equals), rate);
  }
  return overrides;
}
