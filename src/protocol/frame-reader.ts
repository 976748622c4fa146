/**
 * Splits a TCP byte stream into Kafka request frames: each frame is a big-endian int32 size
 * followed by that many bytes. Bytes arrive in arbitrary chunks; the reader keeps them as a list
 * (no concatenation per chunk) and cuts out whole frames. A size that is negative or above
 * `maxFrameBytes` is reported before anything is allocated for it, so a hostile size costs nothing.
 */

export type FrameResult = { kind: 'frame'; frame: Buffer } | { kind: 'need-more' } | { kind: 'too-large'; sizeBytes: number };

const SIZE_PREFIX_BYTES = 4;

export class FrameReader {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(private readonly maxFrameBytes: number) {}

  get buffered(): number {
    return this.bufferedBytes;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
  }

  /** The next whole frame (without its size prefix), or why there is none; `maxFrameBytes` may be tightened per call. */
  next(maxFrameBytes = this.maxFrameBytes): FrameResult {
    if (this.bufferedBytes < SIZE_PREFIX_BYTES) return { kind: 'need-more' };
    const sizeBytes = this.peekSize();
    if (sizeBytes < 0 || sizeBytes > maxFrameBytes) return { kind: 'too-large', sizeBytes };
    if (this.bufferedBytes < SIZE_PREFIX_BYTES + sizeBytes) return { kind: 'need-more' };
    this.consume(SIZE_PREFIX_BYTES);
    return { kind: 'frame', frame: this.consume(sizeBytes) };
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= SIZE_PREFIX_BYTES) return first.readInt32BE(0);
    const prefix = Buffer.alloc(SIZE_PREFIX_BYTES);
    let copied = 0;
    for (const chunk of this.chunks) {
      copied += chunk.copy(prefix, copied, 0, Math.min(chunk.length, SIZE_PREFIX_BYTES - copied));
      if (copied === SIZE_PREFIX_BYTES) break;
    }
    return prefix.readInt32BE(0);
  }

  /** Removes and returns the next `count` bytes (a view when they lie in one chunk). */
  private consume(count: number): Buffer {
    if (count === 0) return Buffer.alloc(0); // a zero-length frame: nothing to take, maybe no chunk left
    this.bufferedBytes -= count;
    const first = this.chunks[0]!;
    if (first.length >= count) {
      const taken = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      return taken;
    }
    const taken = Buffer.allocUnsafe(count);
    let copied = 0;
    while (copied < count) {
      const chunk = this.chunks[0]!;
      const length = Math.min(chunk.length, count - copied);
      chunk.copy(taken, copied, 0, length);
      copied += length;
      if (length === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(length);
    }
    return taken;
  }
}
