/**
 * The compression codecs of a record batch (attributes bits 0-2). A compressed batch holds all of
 * its records as one compressed block after the 61-byte header.
 *
 *   id  name    here
 *    0  none
 *    1  gzip    node:zlib (RFC 1952 gzip stream)
 *    2  snappy  not supported: UNSUPPORTED_COMPRESSION_TYPE
 *    3  lz4     LZ4 frame format (./lz4-frame.ts), 64 KiB independent blocks as Kafka writes them
 *    4  zstd    not supported: UNSUPPORTED_COMPRESSION_TYPE
 */

import { gunzipSync, gzipSync } from 'node:zlib';
import { CodecError } from './codec-error.js';
import { decodeLz4Frame, encodeLz4Frame } from './lz4-frame.js';

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export const CompressionId: Readonly<Record<CompressionName, number>> = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
};

const NAMES: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Upper bound on a decompressed record block unless the caller gives another. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

export function compressionName(id: number): CompressionName {
  const name = NAMES[id];
  if (name === undefined) {
    throw new CodecError('UNSUPPORTED_COMPRESSION_TYPE', `unknown compression codec id ${id}`);
  }
  return name;
}

function unsupported(name: CompressionName): CodecError {
  return new CodecError('UNSUPPORTED_COMPRESSION_TYPE', `compression codec ${name} is not supported (use none, gzip or lz4)`);
}

export function compress(name: CompressionName, bytes: Buffer): Buffer {
  switch (name) {
    case 'none':
      return bytes;
    case 'gzip':
      return gzipSync(bytes);
    case 'lz4':
      return encodeLz4Frame(bytes);
    case 'snappy':
    case 'zstd':
      throw unsupported(name);
  }
}

export function decompress(name: CompressionName, bytes: Buffer, maxOutputBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): Buffer {
  switch (name) {
    case 'none':
      return bytes;
    case 'gzip':
      return gunzip(bytes, maxOutputBytes);
    case 'lz4':
      return decodeLz4Frame(bytes, maxOutputBytes);
    case 'snappy':
    case 'zstd':
      throw unsupported(name);
  }
}

function gunzip(bytes: Buffer, maxOutputBytes: number): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxOutputBytes });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof RangeError) {
      throw new CodecError('INVALID_LENGTH', `gzip data decompresses to more than ${maxOutputBytes} bytes`);
    }
    throw new CodecError('CORRUPT_COMPRESSED_DATA', `gzip data does not decompress: ${reason}`);
  }
}
