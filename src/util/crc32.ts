/**
 * CRC-32 (the IEEE 802.3 polynomial, reflected, as zlib, PNG and Python's `binascii.crc32`
 * compute it). One helper for the PNG chunks and the Hyperband pruner's bracket hash; fflate
 * computes the same checksum but does not export it.
 * @module
 */

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  return table;
}

/**
 * The CRC-32 of `bytes[start, end)`, or of a string's UTF-8 bytes.
 *
 * @example
 * ```ts
 * crc32('123456789'); // 0xcbf43926, the check value of CRC-32/ISO-HDLC
 * crc32(png, 12, 29); // a chunk's type and data
 * ```
 */
export function crc32(data: Uint8Array | string, start = 0, end?: number): number {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const t = crcTable();
  const stop = end ?? bytes.length;
  let c = 0xffffffff;
  for (let i = start; i < stop; i++) c = t[(c ^ bytes[i]!) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
