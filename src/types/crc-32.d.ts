// crc-32 ships types for its CRC-32 entry point only; its CRC-32C module (CommonJS) has this shape.
declare module 'crc-32/crc32c.js' {
  const CRC32C: {
    /** CRC-32C of `data`, as a signed 32-bit integer. */
    buf(data: Uint8Array, seed?: number): number;
  };
  export default CRC32C;
}
