/** The one CRC-32 helper (PNG chunks, Hyperband brackets) against Node's zlib.crc32 and the standard check value. */
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/util/crc32';
import { rng } from '../helpers';

describe('crc32', () => {
  it('the check value of CRC-32/ISO-HDLC, and the empty input', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32('')).toBe(0);
  });

  it("equals Node's zlib.crc32 on random bytes and on ranges", () => {
    const ref = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
    expect(ref, 'node:zlib has crc32 from Node 20.15').toBeTypeOf('function');
    const r = rng(5);
    for (const n of [1, 3, 255, 256, 1000, 65_537]) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
      expect(crc32(bytes), `n ${n}`).toBe(ref!(bytes));
      const from = Math.floor(n / 3),
        to = n - Math.floor(n / 4);
      expect(crc32(bytes, from, to), `n ${n} [${from}, ${to})`).toBe(ref!(bytes.subarray(from, to)));
    }
  });

  it("strings are hashed as UTF-8, as Python's binascii.crc32(s.encode())", () => {
    expect(crc32('hb_0')).toBe(crc32(new TextEncoder().encode('hb_0')));
    expect(crc32('é')).toBe(crc32(Uint8Array.of(0xc3, 0xa9)));
  });
});
