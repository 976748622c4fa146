/**
 * Which partition a record goes to: Kafka's Java default partitioner, reproduced byte for byte.
 *
 * Keyed records go to `toPositive(murmur2(keyBytes)) % partitionCount`, exactly as the Java client's
 * `BuiltInPartitioner.partitionForKey` computes it. This has to be bit-exact, not merely "a good
 * hash": Kafka only orders records within a partition, so a key's records stay in order only while
 * every producer sends that key to the same partition. Matching Java means Strata, the Java clients,
 * kafkajs's default (Java-compatible) partitioner and librdkafka's `murmur2_random` all agree, and a
 * topic moved between Strata and Kafka keeps per-key order.
 *
 * murmur2 (Austin Appleby's MurmurHash2, as in Kafka's `Utils.murmur2`):
 * - h = seed 0x9747b28c XOR the byte length.
 * - Each whole 4-byte chunk, read little-endian as k: k *= m; k ^= k >>> 24; k *= m; h *= m; h ^= k
 *   (m = 0x5bd1e995).
 * - The 1–3 trailing bytes: XOR byte 2 << 16, byte 1 << 8, byte 0 into h, then h *= m (Java writes
 *   this as a switch that falls through from `case 3` to `case 1`).
 * - Final mix: h ^= h >>> 13; h *= m; h ^= h >>> 15.
 * Java does all of this in wrapping 32-bit `int` arithmetic. Here `Math.imul` is the wrapping
 * multiply and the bitwise operators (`^`, `|`, `<<`) truncate to a signed 32-bit int, so every
 * intermediate, and the result, is the same signed int Java has. (`>>>` yields an unsigned value,
 * but it is always XORed straight back into a signed one, as `>>>` is in Java.) `toPositive` clears the sign bit (it is not `Math.abs`: Java's
 * `Utils.toPositive` is `n & 0x7fffffff`).
 *
 * String keys hash the bytes Kafka's StringSerializer would send: UTF-8, where Java replaces an
 * unpaired surrogate with `?` (Node would write U+FFFD, three different bytes).
 *
 * Records without a key use a sticky partition: one random partition until the current batch is
 * closed, then another one, so keyless traffic fills large batches instead of many small ones.
 * A zero-length key is a key (it hashes like any other); only `null` means "no key". Records that
 * name their partition bypass the partitioner altogether (see `selectPartition`).
 */

/** Picks the partition for a record that did not name one. Must return an integer in [0, partitionCount). */
export type Partitioner = (input: { topic: string; partitionCount: number; key: Buffer | null }) => number;

/** A partitioner that is told when a batch closes, so it can move its keyless records elsewhere. */
export type DefaultPartitioner = Partitioner & {
  /** The batch that keyless records of `topic` were going into was closed: stick to another partition. */
  onNewBatch(topic: string): void;
};

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Kafka's `Utils.murmur2`: the same signed 32-bit value Java returns for these bytes. */
export function murmur2(key: Uint8Array): number {
  const length = key.length;
  const tailStart = length & ~3;
  let h = SEED ^ length;

  for (let i = 0; i < tailStart; i += 4) {
    let k = readInt32LE(key, i);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }

  const tailLength = length - tailStart;
  if (tailLength >= 3) h ^= byteAt(key, tailStart + 2) << 16;
  if (tailLength >= 2) h ^= byteAt(key, tailStart + 1) << 8;
  if (tailLength >= 1) h = Math.imul(h ^ byteAt(key, tailStart), M);

  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (so -1 becomes 0x7fffffff, not 1). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's Java client picks for this key; a string key is hashed as its UTF-8 bytes. */
export function partitionForKey(key: Uint8Array | string, partitionCount: number): number {
  assertPartitionCount(partitionCount);
  const bytes = typeof key === 'string' ? javaUtf8Bytes(key) : key;
  return toPositive(murmur2(bytes)) % partitionCount;
}

/**
 * Chooses one partition for keyless records and keeps it until `onNewBatch()`, like the Java
 * client's sticky partitioner. One instance serves one topic.
 */
export class StickyPartitioner {
  private partitionCount = 0;
  private current = 0;

  /** The sticky partition; a random one on first use and whenever the partition count changes. */
  partition(partitionCount: number): number {
    assertPartitionCount(partitionCount);
    if (partitionCount !== this.partitionCount) {
      this.partitionCount = partitionCount;
      this.current = randomPartition(partitionCount);
    }
    return this.current;
  }

  /** The current batch is closed: move to a different random partition (if there is more than one). */
  onNewBatch(): void {
    if (this.partitionCount > 1) {
      const offset = 1 + randomPartition(this.partitionCount - 1);
      this.current = (this.current + offset) % this.partitionCount;
    }
  }
}

/** Kafka's default: murmur2 for keyed records, a sticky partition per topic for keyless ones. */
export function defaultPartitioner(): DefaultPartitioner {
  const sticky = new Map<string, StickyPartitioner>();
  const stickyFor = (topic: string): StickyPartitioner => {
    let partitioner = sticky.get(topic);
    if (partitioner === undefined) {
      partitioner = new StickyPartitioner();
      sticky.set(topic, partitioner);
    }
    return partitioner;
  };

  const partitioner: Partitioner = ({ topic, partitionCount, key }) =>
    key === null ? stickyFor(topic).partition(partitionCount) : partitionForKey(key, partitionCount);
  return Object.assign(partitioner, { onNewBatch: (topic: string) => sticky.get(topic)?.onNewBatch() });
}

/**
 * The partition a record goes to: the one it names, if any (the partitioner is not called), else the
 * partitioner's choice. Either must be an integer in [0, partitionCount).
 */
export function selectPartition(
  record: { topic: string; partitionCount: number; key: Buffer | null; partition?: number | undefined },
  partitioner: Partitioner,
): number {
  const { topic, partitionCount, key, partition } = record;
  assertPartitionCount(partitionCount);
  if (partition !== undefined) return assertPartitionInRange(partition, partitionCount, `topic ${topic}: record partition`);
  return assertPartitionInRange(partitioner({ topic, partitionCount, key }), partitionCount, `topic ${topic}: partitioner returned`);
}

function assertPartitionCount(partitionCount: number): void {
  if (!Number.isInteger(partitionCount) || partitionCount < 1) {
    throw new RangeError(`partitionCount must be a positive integer, got ${String(partitionCount)}`);
  }
}

function assertPartitionInRange(partition: number, partitionCount: number, what: string): number {
  if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) {
    throw new RangeError(`${what} ${String(partition)}, expected an integer from 0 to ${partitionCount - 1}`);
  }
  return partition;
}

function randomPartition(partitionCount: number): number {
  return Math.floor(Math.random() * partitionCount);
}

/** The bytes Java's `String.getBytes(UTF_8)` produces: UTF-8, with `?` for each unpaired surrogate. */
function javaUtf8Bytes(key: string): Buffer {
  return Buffer.from(key.replace(/\p{Cs}/gu, '?'), 'utf8');
}

// Callers only pass indexes below key.length, so these reads are never undefined.
function byteAt(key: Uint8Array, index: number): number {
  return key[index]!;
}

function readInt32LE(key: Uint8Array, offset: number): number {
  return byteAt(key, offset) | (byteAt(key, offset + 1) << 8) | (byteAt(key, offset + 2) << 16) | (byteAt(key, offset + 3) << 24);
}
