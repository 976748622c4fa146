/**
 * Reads a file front to back through one reusable chunk buffer, so scanning batch headers costs
 * one read call per chunk rather than one per batch. `view(position, length)` returns bytes
 * [position, position + length) as a view of the chunk (valid until the next call), refilling the
 * chunk when they are not in it, or null past `endPosition`.
 */

import type { StorageFile } from './file-io.js';
import { assert, StorageError } from './storage-error.js';

export class ChunkedFileReader {
  private chunk: Buffer;
  private chunkPosition = 0;
  private chunkLength = 0;

  constructor(
    private readonly file: StorageFile,
    /** Bytes of the file that may be read: [0, endPosition). */
    readonly endPosition: number,
    chunkBytes: number,
  ) {
    assert(chunkBytes > 0, 'chunk size must be positive');
    this.chunk = Buffer.allocUnsafe(chunkBytes);
  }

  /** Bytes [position, position + length), or null if they run past endPosition. */
  async view(position: number, length: number): Promise<Buffer | null> {
    if (position < 0 || length < 0 || position + length > this.endPosition) return null;
    const inChunk = position >= this.chunkPosition && position + length <= this.chunkPosition + this.chunkLength;
    if (!inChunk) await this.fill(position, length);
    const start = position - this.chunkPosition;
    return this.chunk.subarray(start, start + length);
  }

  private async fill(position: number, minLength: number): Promise<void> {
    if (this.chunk.length < minLength) this.chunk = Buffer.allocUnsafe(minLength);
    const wanted = Math.min(this.chunk.length, this.endPosition - position);
    const bytesRead = await this.file.read(this.chunk, 0, wanted, position);
    this.chunkPosition = position;
    this.chunkLength = bytesRead;
    if (bytesRead < minLength) {
      throw new StorageError('KAFKA_STORAGE_ERROR', `short read of ${this.file.path}: ${bytesRead} of ${minLength} bytes at ${position}`);
    }
  }
}
