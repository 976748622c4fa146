/**
 * LZ4 frames (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), as Kafka stores them in
 * an lz4-compressed record batch. All integers are little-endian.
 *
 *   bytes  field
 *       4  magic 0x184D2204 (04 22 4D 18 on the wire)
 *       1  FLG  bits 7-6 version (must be 01)
 *               bit 5   block independence (0 = linked: a block may refer to the 64 KiB before it)
 *               bit 4   block checksums follow each block
 *               bit 3   content size field present
 *               bit 2   content checksum after the end mark
 *               bit 1   reserved (0)
 *               bit 0   dictionary id field present
 *       1  BD   bit 7 reserved (0); bits 6-4 block max size: 4 = 64 KiB, 5 = 256 KiB, 6 = 1 MiB,
 *               7 = 4 MiB; bits 3-0 reserved (0)
 *    0|8  content size: u64, bytes of the whole decompressed content (FLG bit 3)
 *    0|4  dictionary id: u32 (FLG bit 0); never decodable here, we have no dictionaries
 *       1  HC: (xxh32(FLG .. last optional field, seed 0) >> 8) & 0xff
 *          then blocks, each:
 *       4    block size: bit 31 set = the data is stored uncompressed; bits 30-0 = bytes of data
 *               (at most the block max size); the value 0 is the end mark instead of a block
 *       n    data: one raw LZ4 block (sequences of literals + matches), or the bytes themselves
 *     0|4    block checksum: xxh32 of the n stored bytes (FLG bit 4)
 *       4  end mark: 0
 *     0|4  content checksum: xxh32 of the whole decompressed content (FLG bit 2)
 *
 * encodeLz4Frame writes what Kafka's own producers write: FLG 0x60 (version 01, independent
 * blocks, nothing optional), BD 0x40 (64 KiB), 64 KiB blocks, a block that LZ4 does not shrink
 * stored uncompressed, end mark, no content checksum.
 *
 * decodeLz4Frame reads any single frame: every block max size, every optional field except a
 * dictionary id, and linked blocks too. Bytes after the frame are an error. Independent blocks
 * (and the first block of a linked frame) go to the native LZ4_decompress_safe. It cannot be given
 * the previous 64 KiB that a later linked block may refer to, so those are decoded by a small
 * bounds-checked decoder here, straight into the output where that history already is. (Handing
 * the native decoder the history as extra literals also works, but copies up to 64 KiB per block:
 * a frame of many 5-byte linked blocks would then cost ~13,000 times its size.)
 *
 * Why a scratch buffer: LZ4_decompress_safe needs an output buffer as large as the block may be,
 * and frames written by librdkafka or the lz4 package declare 4 MiB blocks even when they hold a
 * few KiB. Allocating 4 MiB per block (what the lz4 package's own frame decoder does) makes small
 * frames decode at ~16 MB/s. Instead each block max size gets one module-level scratch buffer,
 * allocated the first time it is needed and reused (decoding is synchronous, so no two calls share
 * it at once); the decoded bytes are copied from it into an output buffer sized from the content
 * size field when present, otherwise from the frame length, and doubled as needed up to
 * maxOutputBytes. Uncompressed blocks are copied straight from the frame.
 */

import lz4 from 'lz4';
import { CodecError, requireBytes } from './codec-error.js';

const FRAME_MAGIC = 0x184d2204;
const MAGIC_BYTES = 4;
const FLG_BD_BYTES = 2;
const CONTENT_SIZE_BYTES = 8;
const HEADER_CHECKSUM_BYTES = 1;
const BLOCK_SIZE_FIELD_BYTES = 4;
const XXH32_BYTES = 4;
const END_MARK = 0;

const FLG_VERSION_MASK = 0b1100_0000;
const FLG_VERSION_01 = 0b0100_0000;
const FLG_BLOCK_INDEPENDENCE = 0b0010_0000;
const FLG_BLOCK_CHECKSUM = 0b0001_0000;
const FLG_CONTENT_SIZE = 0b0000_1000;
const FLG_CONTENT_CHECKSUM = 0b0000_0100;
const FLG_RESERVED = 0b0000_0010;
const FLG_DICTIONARY_ID = 0b0000_0001;
const BD_RESERVED = 0b1000_1111;
const BD_BLOCK_MAX_SHIFT = 4;
const BD_BLOCK_MAX_MASK = 0b111;

/** BD block max size id → bytes (ids 0-3 are undefined by the format). */
const BLOCK_MAX_BYTES_BY_ID: ReadonlyMap<number, number> = new Map([
  [4, 64 * 1024],
  [5, 256 * 1024],
  [6, 1024 * 1024],
  [7, 4 * 1024 * 1024],
]);

const UNCOMPRESSED_BLOCK_FLAG = 0x8000_0000;
const BLOCK_DATA_BYTES_MASK = 0x7fff_ffff;

/** A run length of 15 in a token nibble continues in extra bytes; each 255 means "add 255 and go on". */
const TOKEN_LENGTH_CONTINUES = 15;
const LENGTH_BYTE_CONTINUES = 255;
/** A match copies at least 4 bytes; the token holds the length minus 4. */
const MIN_MATCH_BYTES = 4;
/** Literal runs and matches up to this long are copied byte by byte in linked blocks. */
const SHORT_COPY_BYTES = 32;

/** What Kafka writes: version 01 + independent blocks; 64 KiB block max size. */
const KAFKA_FLG = FLG_VERSION_01 | FLG_BLOCK_INDEPENDENCE;
const KAFKA_BD = 4 << BD_BLOCK_MAX_SHIFT;
const KAFKA_BLOCK_MAX_BYTES = 64 * 1024;

const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;
/** LZ4 data expands at most ~255× (a length byte of 255 adds 255 bytes); bounds up-front allocations. */
const MAX_EXPANSION_RATIO = 256;
/** Output capacity guess for a frame of n bytes without a content size (grows by doubling). */
const OUTPUT_BYTES_PER_FRAME_BYTE_GUESS = 4;

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Kafka-style LZ4 frame: magic 0x184D2204, FLG 0x60 (version 01 + block independence; no block
 * checksum, no content size, no content checksum), BD 0x40 (64 KiB max block), header checksum;
 * 64 KiB independent blocks; a block that does not shrink is stored uncompressed (high bit of its
 * size set); end mark 0.
 */
export function encodeLz4Frame(input: Buffer): Buffer {
  const source = asBuffer(input, 'encodeLz4Frame input');
  const blockCount = Math.ceil(source.length / KAFKA_BLOCK_MAX_BYTES);
  const worstCaseFrameBytes =
    MAGIC_BYTES + FLG_BD_BYTES + HEADER_CHECKSUM_BYTES + blockCount * BLOCK_SIZE_FIELD_BYTES + source.length + BLOCK_SIZE_FIELD_BYTES;
  const frame = Buffer.allocUnsafe(worstCaseFrameBytes);

  let position = writeKafkaFrameHeader(frame);
  for (let blockStart = 0; blockStart < source.length; blockStart += KAFKA_BLOCK_MAX_BYTES) {
    const blockEnd = Math.min(source.length, blockStart + KAFKA_BLOCK_MAX_BYTES);
    position = writeBlock(frame, position, source.subarray(blockStart, blockEnd));
  }
  frame.writeUInt32LE(END_MARK, position);
  position += BLOCK_SIZE_FIELD_BYTES;

  return position === frame.length ? frame : Buffer.from(frame.subarray(0, position));
}

function writeKafkaFrameHeader(frame: Buffer): number {
  frame.writeUInt32LE(FRAME_MAGIC, 0);
  frame[MAGIC_BYTES] = KAFKA_FLG;
  frame[MAGIC_BYTES + 1] = KAFKA_BD;
  const descriptor = frame.subarray(MAGIC_BYTES, MAGIC_BYTES + FLG_BD_BYTES);
  frame[MAGIC_BYTES + FLG_BD_BYTES] = lz4.utils.descriptorChecksum(descriptor);
  return MAGIC_BYTES + FLG_BD_BYTES + HEADER_CHECKSUM_BYTES;
}

/** Writes one block (size field + data) at `position`; returns the position after it. */
function writeBlock(frame: Buffer, position: number, blockContent: Buffer): number {
  const dataStart = position + BLOCK_SIZE_FIELD_BYTES;
  // Room for one byte less than the content: LZ4 returns 0 unless the block actually shrinks.
  const compressedBytes =
    blockContent.length > 1 ? lz4.encodeBlock(blockContent, frame.subarray(dataStart, dataStart + blockContent.length - 1)) : 0;
  if (compressedBytes > 0) {
    frame.writeUInt32LE(compressedBytes, position);
    return dataStart + compressedBytes;
  }
  frame.writeUInt32LE((UNCOMPRESSED_BLOCK_FLAG | blockContent.length) >>> 0, position);
  blockContent.copy(frame, dataStart);
  return dataStart + blockContent.length;
}

// ---------------------------------------------------------------------------------------------
// Decoding

interface FrameDescriptor {
  readonly blocksAreLinked: boolean;
  readonly hasBlockChecksums: boolean;
  readonly hasContentChecksum: boolean;
  readonly blockMaxBytes: number;
  /** From the content size field, when the frame has one. */
  readonly contentBytes: number | undefined;
  /** Position of the first block size field. */
  readonly blocksStart: number;
}

/**
 * Decodes one LZ4 frame: any block max size (64 KiB .. 4 MiB), optional content size, block
 * checksums and content checksum, independent or linked blocks. Throws CodecError and nothing
 * else: CORRUPT_COMPRESSED_DATA for a bad magic, header checksum, reserved bit, dictionary id,
 * block, checksum or content size, or bytes after the frame; TRUNCATED for a frame cut short;
 * INVALID_LENGTH when the content is (or declares to be) larger than `maxOutputBytes` (256 MiB by
 * default); INVALID_ARGUMENT for a `maxOutputBytes` that is not a non-negative integer.
 */
export function decodeLz4Frame(frame: Buffer, maxOutputBytes: number = DEFAULT_MAX_OUTPUT_BYTES): Buffer {
  const input = asBuffer(frame, 'decodeLz4Frame frame');
  if (!Number.isSafeInteger(maxOutputBytes) || maxOutputBytes < 0) {
    throw new CodecError('INVALID_ARGUMENT', `maxOutputBytes must be a non-negative integer, got ${maxOutputBytes}`);
  }
  const descriptor = readFrameDescriptor(input, maxOutputBytes);
  const output = new OutputBuffer(maxOutputBytes, initialOutputBytesGuess(input, descriptor, maxOutputBytes));

  let position = readBlocks(input, descriptor, output);
  if (descriptor.hasContentChecksum) {
    requireBytes(position, XXH32_BYTES, input.length, 'LZ4 content checksum');
    verifyXxh32(output.view(), input.readUInt32LE(position), 'content checksum');
    position += XXH32_BYTES;
  }
  if (position !== input.length) {
    throw corrupt(`${input.length - position} bytes after the end of the LZ4 frame`);
  }
  if (descriptor.contentBytes !== undefined && output.length !== descriptor.contentBytes) {
    throw corrupt(`LZ4 frame declares ${descriptor.contentBytes} content bytes but holds ${output.length}`);
  }
  return output.toBuffer();
}

function readFrameDescriptor(frame: Buffer, maxOutputBytes: number): FrameDescriptor {
  requireBytes(0, MAGIC_BYTES, frame.length, 'LZ4 frame magic');
  const magic = frame.readUInt32LE(0);
  if (magic !== FRAME_MAGIC) {
    throw corrupt(`not an LZ4 frame: magic 0x${magic.toString(16)} instead of 0x${FRAME_MAGIC.toString(16)}`);
  }
  requireBytes(MAGIC_BYTES, FLG_BD_BYTES, frame.length, 'LZ4 frame descriptor');
  const flg = frame[MAGIC_BYTES] ?? 0;
  const bd = frame[MAGIC_BYTES + 1] ?? 0;
  const blockMaxBytes = checkFlagsAndBlockMax(flg, bd);

  let position = MAGIC_BYTES + FLG_BD_BYTES;
  let contentBytes: number | undefined;
  if (flg & FLG_CONTENT_SIZE) {
    requireBytes(position, CONTENT_SIZE_BYTES, frame.length, 'LZ4 content size');
    contentBytes = frame.readUInt32LE(position) + frame.readUInt32LE(position + 4) * 0x1_0000_0000;
    position += CONTENT_SIZE_BYTES;
  }
  requireBytes(position, HEADER_CHECKSUM_BYTES, frame.length, 'LZ4 header checksum');
  const expectedChecksum = lz4.utils.descriptorChecksum(frame.subarray(MAGIC_BYTES, position));
  if (frame[position] !== expectedChecksum) {
    throw corrupt(`LZ4 frame header checksum is 0x${frame[position]?.toString(16)}, expected 0x${expectedChecksum.toString(16)}`);
  }
  position += HEADER_CHECKSUM_BYTES;

  // Only after the checksum vouched for the field: a corrupt size should read as corrupt, not too large.
  if (contentBytes !== undefined && contentBytes > maxOutputBytes) {
    throw new CodecError('INVALID_LENGTH', `LZ4 frame declares ${contentBytes} content bytes, more than the limit of ${maxOutputBytes}`);
  }
  return {
    blocksAreLinked: (flg & FLG_BLOCK_INDEPENDENCE) === 0,
    hasBlockChecksums: (flg & FLG_BLOCK_CHECKSUM) !== 0,
    hasContentChecksum: (flg & FLG_CONTENT_CHECKSUM) !== 0,
    blockMaxBytes,
    contentBytes,
    blocksStart: position,
  };
}

/** Rejects what this decoder cannot read (version, reserved bits, dictionary); returns the block max size in bytes. */
function checkFlagsAndBlockMax(flg: number, bd: number): number {
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) {
    throw corrupt(`LZ4 frame version ${flg >> 6} is not 1`);
  }
  if (flg & FLG_RESERVED || bd & BD_RESERVED) {
    throw corrupt(`LZ4 frame descriptor has reserved bits set (FLG 0x${flg.toString(16)}, BD 0x${bd.toString(16)})`);
  }
  if (flg & FLG_DICTIONARY_ID) {
    throw corrupt('LZ4 frame needs a preset dictionary (dictionary id flag), which Kafka never uses');
  }
  const blockMaxId = (bd >> BD_BLOCK_MAX_SHIFT) & BD_BLOCK_MAX_MASK;
  const blockMaxBytes = BLOCK_MAX_BYTES_BY_ID.get(blockMaxId);
  if (blockMaxBytes === undefined) {
    throw corrupt(`LZ4 frame block max size id ${blockMaxId} is not one of 4-7`);
  }
  return blockMaxBytes;
}

function initialOutputBytesGuess(frame: Buffer, descriptor: FrameDescriptor, maxOutputBytes: number): number {
  const guess = descriptor.contentBytes ?? frame.length * OUTPUT_BYTES_PER_FRAME_BYTE_GUESS;
  // A content size field can claim anything; no valid frame decodes to more than this.
  return Math.min(guess, maxOutputBytes, frame.length * MAX_EXPANSION_RATIO);
}

/** Decodes every block into `output`; returns the position just after the end mark. */
function readBlocks(frame: Buffer, descriptor: FrameDescriptor, output: OutputBuffer): number {
  const checksumBytes = descriptor.hasBlockChecksums ? XXH32_BYTES : 0;
  let position = descriptor.blocksStart;
  for (;;) {
    requireBytes(position, BLOCK_SIZE_FIELD_BYTES, frame.length, 'LZ4 block size');
    const sizeField = frame.readUInt32LE(position);
    position += BLOCK_SIZE_FIELD_BYTES;
    if (sizeField === END_MARK) return position;

    const dataBytes = sizeField & BLOCK_DATA_BYTES_MASK;
    if (dataBytes > descriptor.blockMaxBytes) {
      throw corrupt(`LZ4 block of ${dataBytes} bytes exceeds the frame's block max size ${descriptor.blockMaxBytes}`);
    }
    requireBytes(position, dataBytes + checksumBytes, frame.length, 'LZ4 block');
    const dataEnd = position + dataBytes;
    if (checksumBytes > 0) {
      verifyXxh32(frame.subarray(position, dataEnd), frame.readUInt32LE(dataEnd), 'block checksum');
    }
    const isLastBlock = isEndMarkAt(frame, dataEnd + checksumBytes);
    if (sizeField >= UNCOMPRESSED_BLOCK_FLAG) {
      output.append(frame, position, dataEnd, isLastBlock);
    } else if (descriptor.blocksAreLinked) {
      decodeLinkedBlock(frame, position, dataEnd, descriptor.blockMaxBytes, output, isLastBlock);
    } else {
      decodeIndependentBlock(frame, position, dataEnd, descriptor.blockMaxBytes, output, isLastBlock);
    }
    if (descriptor.contentBytes !== undefined && output.length > descriptor.contentBytes) {
      throw corrupt(`LZ4 frame declares ${descriptor.contentBytes} content bytes but holds more`);
    }
    position = dataEnd + checksumBytes;
  }
}

function isEndMarkAt(frame: Buffer, position: number): boolean {
  return position + BLOCK_SIZE_FIELD_BYTES <= frame.length && frame.readUInt32LE(position) === END_MARK;
}

/** Scratch output for independent blocks, one per block max size (see the comment at the top). */
const blockScratchByMaxBytes = new Map<number, Buffer>();

function blockScratch(blockMaxBytes: number): Buffer {
  let scratch = blockScratchByMaxBytes.get(blockMaxBytes);
  if (scratch === undefined) {
    scratch = Buffer.alloc(blockMaxBytes);
    blockScratchByMaxBytes.set(blockMaxBytes, scratch);
  }
  return scratch;
}

function decodeIndependentBlock(
  frame: Buffer,
  dataStart: number,
  dataEnd: number,
  blockMaxBytes: number,
  output: OutputBuffer,
  isLastBlock: boolean,
): void {
  const scratch = blockScratch(blockMaxBytes);
  // Memory safety: the binding trusts these indices; readBlocks checked dataEnd <= frame.length.
  const decodedBytes = lz4.decodeBlock(frame, scratch, dataStart, dataEnd);
  if (decodedBytes < 0) {
    throw corrupt(`LZ4 block at ${dataStart} does not decompress (error at byte ${-decodedBytes} of the block)`);
  }
  output.append(scratch, 0, decodedBytes, isLastBlock);
}

/**
 * A block that may refer to the 64 KiB before it. The native binding only has LZ4_decompress_safe,
 * which cannot be given that history, so such blocks are decoded here, straight into the output
 * (where the history already is). The first block of a frame has no history: it goes native.
 */
function decodeLinkedBlock(
  frame: Buffer,
  dataStart: number,
  dataEnd: number,
  blockMaxBytes: number,
  output: OutputBuffer,
  isLastBlock: boolean,
): void {
  if (output.length === 0) {
    decodeIndependentBlock(frame, dataStart, dataEnd, blockMaxBytes, output, isLastBlock);
    return;
  }
  // Room for what the block can decode to (grown below if that guess falls short).
  let target = output.reserve(Math.min(blockMaxBytes, (dataEnd - dataStart) * MAX_EXPANSION_RATIO));
  const outputLimit = Math.min(output.length + blockMaxBytes, output.maxBytes);
  let written = output.length;
  let position = dataStart;
  for (;;) {
    // A sequence: token (high nibble literal run length, low nibble match length - 4), extra
    // literal length bytes, literals, 2-byte match offset, extra match length bytes. The last
    // sequence of a block stops after its literals.
    if (position >= dataEnd) throw corrupt(`LZ4 block at ${dataStart} ends after a match`);
    const token = frame[position++] ?? 0;
    let literalBytes = token >> 4;
    if (literalBytes === TOKEN_LENGTH_CONTINUES) {
      position = readLengthExtension(frame, position, dataEnd);
      literalBytes += lengthExtensionBytes;
    }
    if (position + literalBytes > dataEnd) throw corrupt(`LZ4 literal run at ${position} runs past its block`);
    if (written + literalBytes > outputLimit) throw blockOutputError(output, written + literalBytes, dataStart);
    if (written + literalBytes > target.length) target = output.reserveAfter(written, literalBytes);
    copyBytes(frame, position, target, written, literalBytes);
    position += literalBytes;
    written += literalBytes;
    if (position === dataEnd) break;

    if (position + 2 > dataEnd) throw corrupt(`LZ4 block at ${dataStart} ends inside a match offset`);
    const offsetBytes = (frame[position] ?? 0) | ((frame[position + 1] ?? 0) << 8);
    position += 2;
    if (offsetBytes === 0 || offsetBytes > written) {
      throw corrupt(`LZ4 match at ${position} refers ${offsetBytes} bytes back, before the start of the content`);
    }
    let matchBytes = (token & 0x0f) + MIN_MATCH_BYTES;
    if ((token & 0x0f) === TOKEN_LENGTH_CONTINUES) {
      position = readLengthExtension(frame, position, dataEnd);
      matchBytes += lengthExtensionBytes;
    }
    if (written + matchBytes > outputLimit) throw blockOutputError(output, written + matchBytes, dataStart);
    if (written + matchBytes > target.length) target = output.reserveAfter(written, matchBytes);
    copyMatch(target, written, offsetBytes, matchBytes);
    written += matchBytes;
  }
  output.setLength(written);
}

/** Set by readLengthExtension (a second return value without allocating an object per call). */
let lengthExtensionBytes = 0;

/** Reads the extra bytes of a run length (after a token nibble of 15); returns the position after them. */
function readLengthExtension(frame: Buffer, position: number, dataEnd: number): number {
  lengthExtensionBytes = 0;
  for (;;) {
    if (position >= dataEnd) throw corrupt(`LZ4 block ends inside a run length at ${position}`);
    const lengthByte = frame[position++] ?? 0;
    lengthExtensionBytes += lengthByte;
    if (lengthByte !== LENGTH_BYTE_CONTINUES) return position;
  }
}

function blockOutputError(output: OutputBuffer, neededBytes: number, dataStart: number): CodecError {
  return neededBytes > output.maxBytes
    ? outputLimitError(output.maxBytes)
    : corrupt(`LZ4 block at ${dataStart} decompresses to more than the block max size`);
}

/** Copies source[start, start + bytes) to target[at..]; short runs byte by byte (cheaper than a call into C++). */
function copyBytes(source: Buffer, start: number, target: Buffer, at: number, bytes: number): void {
  if (bytes > SHORT_COPY_BYTES) {
    source.copy(target, at, start, start + bytes);
    return;
  }
  for (let i = 0; i < bytes; i++) target[at + i] = source[start + i] ?? 0;
}

/**
 * Writes `matchBytes` bytes at target[at..] copied from `offsetBytes` back (1 <= offsetBytes <= at).
 * When the match overlaps what it writes, the bytes repeat with period offsetBytes, as LZ4 defines it.
 */
function copyMatch(target: Buffer, at: number, offsetBytes: number, matchBytes: number): void {
  const source = at - offsetBytes;
  if (matchBytes <= SHORT_COPY_BYTES) {
    // Byte by byte, forwards: an overlapping match reads bytes it has just written.
    for (let i = 0; i < matchBytes; i++) target[at + i] = target[source + i] ?? 0;
    return;
  }
  let copiedBytes = 0;
  while (copiedBytes < matchBytes) {
    // Everything from `source` up to the write position repeats with period offsetBytes, and
    // copiedBytes is a multiple of it, so copying on from `source` continues the pattern; the
    // repeated stretch doubles each round.
    const chunkBytes = Math.min(matchBytes - copiedBytes, offsetBytes + copiedBytes);
    target.copyWithin(at + copiedBytes, source, source + chunkBytes);
    copiedBytes += chunkBytes;
  }
}

function verifyXxh32(bytes: Buffer, stored: number, what: string): void {
  const computed = lz4.utils.blockChecksum(bytes) >>> 0;
  if (computed !== stored) {
    throw corrupt(`LZ4 ${what} mismatch: stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)}`);
  }
}

/** The decompressed content so far, in a buffer that doubles as needed up to the output limit. */
class OutputBuffer {
  private bytes: Buffer | undefined;
  private writtenBytes = 0;

  constructor(
    readonly maxBytes: number,
    private readonly initialBytesGuess: number,
  ) {}

  get length(): number {
    return this.writtenBytes;
  }

  /** Appends source[start..end). The first append of a frame's only block allocates exactly its size. */
  append(source: Buffer, start: number, end: number, isLastAppend: boolean): void {
    const neededBytes = this.writtenBytes + (end - start);
    if (neededBytes > this.maxBytes) throw outputLimitError(this.maxBytes);
    const target = this.bufferWithRoomFor(neededBytes, isLastAppend);
    source.copy(target, this.writtenBytes, start, end);
    this.writtenBytes = neededBytes;
  }

  /** The buffer, with room for `extraBytes` more (or up to the limit); write into it, then setLength. */
  reserve(extraBytes: number): Buffer {
    return this.bufferWithRoomFor(Math.min(this.writtenBytes + extraBytes, this.maxBytes), false);
  }

  /** reserve(), for a caller that has written up to `writtenBytes` since its last setLength. */
  reserveAfter(writtenBytes: number, extraBytes: number): Buffer {
    this.writtenBytes = writtenBytes;
    return this.reserve(extraBytes);
  }

  setLength(bytes: number): void {
    this.writtenBytes = bytes;
  }

  /** Everything written so far (a view). */
  view(): Buffer {
    return this.bytes === undefined ? Buffer.alloc(0) : this.bytes.subarray(0, this.writtenBytes);
  }

  toBuffer(): Buffer {
    if (this.bytes === undefined) return Buffer.alloc(0);
    return this.writtenBytes === this.bytes.length ? this.bytes : this.bytes.subarray(0, this.writtenBytes);
  }

  private bufferWithRoomFor(neededBytes: number, isLastAppend: boolean): Buffer {
    if (this.bytes === undefined) {
      const firstBytes = isLastAppend ? neededBytes : Math.max(neededBytes, this.initialBytesGuess);
      this.bytes = Buffer.allocUnsafe(firstBytes);
    } else if (neededBytes > this.bytes.length) {
      const grownBytes = isLastAppend ? neededBytes : Math.min(this.maxBytes, Math.max(neededBytes, this.bytes.length * 2));
      const grown = Buffer.allocUnsafe(grownBytes);
      this.bytes.copy(grown, 0, 0, this.writtenBytes);
      this.bytes = grown;
    }
    return this.bytes;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function corrupt(message: string): CodecError {
  return new CodecError('CORRUPT_COMPRESSED_DATA', message);
}

function outputLimitError(maxBytes: number): CodecError {
  return new CodecError('INVALID_LENGTH', `LZ4 frame decompresses to more than the limit of ${maxBytes} bytes`);
}

/** The native binding needs a Buffer; a plain Uint8Array is viewed as one, anything else is a caller error. */
function asBuffer(value: unknown, what: string): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new CodecError('INVALID_ARGUMENT', `${what} must be a Buffer`);
}
