// Types for the parts of the `lz4` package (pierrec/node-lz4, native binding) that Strata uses.
declare module 'lz4' {
  /** LZ4_decompress_safe(input[startIndex..endIndex) → output); returns bytes written, < 0 on corrupt input. */
  export function decodeBlock(input: Buffer, output: Buffer, startIndex?: number, endIndex?: number): number;
  /** LZ4_compress_default(input → output[startIndex..endIndex)); returns bytes written, 0 when it does not fit. */
  export function encodeBlock(input: Buffer, output: Buffer, startIndex?: number, endIndex?: number): number;
  /** Worst-case compressed size of `inputBytes` bytes. */
  export function encodeBound(inputBytes: number): number;
  export function encode(input: Buffer, options?: Record<string, unknown>): Buffer;
  export function decode(input: Buffer): Buffer;
  export const utils: {
    /** xxh32(seed 0) of the whole buffer. */
    blockChecksum(data: Buffer): number;
    /** (xxh32(descriptor) >> 8) & 0xff, the frame header checksum byte. */
    descriptorChecksum(descriptor: Buffer): number;
  };
}
