/**
 * A synchronous zlib compressor (RFC 1950 wrapper around RFC 1951 deflate) in plain
 * TypeScript, with no platform API, for the PNG encoder: LZ77 matching over a 32 KiB window
 * (hash chains, one-step lazy matching), then per block the smallest of dynamic Huffman codes,
 * the fixed codes and stored bytes.
 * @module
 */

const MIN_MATCH = 3;
const MAX_MATCH = 258;
const WINDOW = 32768;
const WINDOW_MASK = WINDOW - 1;
const HASH_BITS = 15;
/** At most this many earlier positions are tried per match search. */
const MAX_CHAIN = 128;
/** A match this long ends the search. */
const NICE_MATCH = 128;
/** A match at least this long is taken without trying the next position (lazy matching). */
const LAZY_MATCH = 16;
/** When the match to beat is at least this long, a quarter of the chain is tried. */
const GOOD_MATCH = 8;
/** Tokens (literals or matches) per block: each block gets its own Huffman codes. */
const BLOCK_TOKENS = 16384;
const END_OF_BLOCK = 256;
const MAX_STORED = 65535;

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** The order in which the code-length code's lengths are sent. */
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Index (0-28) of the length code of each match length 0-258 (entries below 3 unused). */
const LENGTH_CODE = new Uint8Array(MAX_MATCH + 1);
/** Index (0-29) of the distance code of each distance 1-32768. */
const DIST_CODE = new Uint8Array(WINDOW + 1);
// filled in increasing order, so 258 ends up with code 28 (its own), not with code 27 (227 + 31)
for (let c = 0; c < LENGTH_BASE.length; c++) LENGTH_CODE.fill(c, LENGTH_BASE[c]!, LENGTH_BASE[c]! + (1 << LENGTH_EXTRA[c]!));
for (let c = 0; c < DIST_BASE.length; c++) DIST_CODE.fill(c, DIST_BASE[c]!, DIST_BASE[c]! + (1 << DIST_EXTRA[c]!));

/** The fixed Huffman code lengths of RFC 1951 section 3.2.6. */
const FIXED_LIT_LENGTHS = new Uint8Array(288).fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
const FIXED_DIST_LENGTHS = new Uint8Array(30).fill(5);

/** An LSB-first bit writer into a growing byte buffer. */
class BitWriter {
  bytes = new Uint8Array(1 << 16);
  length = 0;
  private bits = 0;
  private count = 0;

  /** Writes the `n` (at most 16) low bits of `value`, least significant first. */
  write(value: number, n: number): void {
    this.bits |= value << this.count;
    this.count += n;
    while (this.count >= 8) {
      this.byte(this.bits & 255);
      this.bits >>>= 8;
      this.count -= 8;
    }
  }

  /** Pads with zero bits to the next byte boundary. */
  align(): void {
    if (this.count > 0) this.write(0, 8 - this.count);
  }

  byte(b: number): void {
    if (this.length === this.bytes.length) this.grow(1);
    this.bytes[this.length++] = b;
  }

  /** Appends whole bytes; the writer must be byte-aligned. */
  append(src: Uint8Array): void {
    if (this.length + src.length > this.bytes.length) this.grow(src.length);
    this.bytes.set(src, this.length);
    this.length += src.length;
  }

  private grow(extra: number): void {
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
}

/**
 * Huffman code lengths (at most `maxBits`) for symbol frequencies. Every symbol with a
 * nonzero frequency gets a code, and at least two symbols do (bumping symbols 0 and 1 if
 * needed), so the code is always complete. When the optimal tree is too deep, the
 * frequencies are flattened (halved, rounding up) and the tree rebuilt.
 */
export function codeLengths(freqs: Uint32Array, maxBits: number): Uint8Array {
  const n = freqs.length;
  const f = Float64Array.from(freqs);
  let used = 0;
  for (let i = 0; i < n; i++) if (f[i]! > 0) used++;
  for (let i = 0; used < 2; i++)
    if (f[i] === 0) {
      f[i] = 1;
      used++;
    }
  for (;;) {
    const lengths = huffmanLengths(f);
    let max = 0;
    for (let i = 0; i < n; i++) max = Math.max(max, lengths[i]!);
    if (max <= maxBits) return lengths;
    // ends, at worst, with all frequencies 1: a balanced tree of depth ceil(log2(n)) <= maxBits
    for (let i = 0; i < n; i++) f[i] = Math.ceil(f[i]! / 2);
  }
}

/** Unlimited Huffman code lengths for the symbols with a nonzero frequency (at least two). */
function huffmanLengths(f: Float64Array): Uint8Array {
  const n = f.length;
  // nodes 0..n-1 are the symbols, n.. the internal nodes; a binary min-heap of node indices
  const weight = new Float64Array(2 * n),
    parent = new Int32Array(2 * n);
  weight.set(f);
  const heap: number[] = [];
  const less = (a: number, b: number): boolean => weight[a]! < weight[b]! || (weight[a] === weight[b] && a < b);
  const push = (node: number): void => {
    let i = heap.push(node) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const pop = (): number => {
    const top = heap[0]!,
      last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1,
          r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  for (let i = 0; i < n; i++) if (f[i]! > 0) push(i);
  let next = n;
  while (heap.length > 1) {
    const a = pop(),
      b = pop();
    weight[next] = weight[a]! + weight[b]!;
    parent[a] = parent[b] = next;
    push(next++);
  }
  // depths: internal nodes were created in increasing order, so walk them from the root down
  const depth = new Uint8Array(2 * n);
  for (let node = next - 2; node >= n; node--) depth[node] = depth[parent[node]!]! + 1;
  const lengths = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (f[i]! > 0) lengths[i] = depth[parent[i]!]! + 1;
  return lengths;
}

/** Canonical Huffman codes for code lengths (RFC 1951 3.2.2), bit-reversed for LSB-first output. */
function canonicalCodes(lengths: Uint8Array): Uint16Array {
  const count = new Uint16Array(16),
    next = new Uint16Array(16);
  for (const len of lengths) count[len]!++;
  count[0] = 0;
  for (let bits = 1, code = 0; bits < 16; bits++) {
    code = (code + count[bits - 1]!) << 1;
    next[bits] = code;
  }
  const codes = new Uint16Array(lengths.length);
  for (let i = 0; i < lengths.length; i++) {
    const len = lengths[i]!;
    if (len === 0) continue;
    let code = next[len]!++,
      reversed = 0;
    for (let b = 0; b < len; b++, code >>= 1) reversed = (reversed << 1) | (code & 1);
    codes[i] = reversed;
  }
  return codes;
}

/**
 * The code-length sequence of a dynamic block's header (literal/length then distance lengths),
 * run-length coded with symbols 16 (repeat the previous 3-6 times), 17 (3-10 zeros) and
 * 18 (11-138 zeros): pairs of [symbol, extra-bits value].
 */
function runLengths(lengths: Uint8Array): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < lengths.length;) {
    const len = lengths[i]!;
    let run = 1;
    while (i + run < lengths.length && lengths[i + run] === len) run++;
    i += run;
    if (len === 0) {
      while (run >= 11) {
        const r = Math.min(run, 138);
        out.push([18, r - 11]);
        run -= r;
      }
      if (run >= 3) {
        out.push([17, run - 3]);
        run = 0;
      }
    } else {
      out.push([len, 0]);
      run--;
      while (run >= 3) {
        const r = Math.min(run, 6);
        out.push([16, r - 3]);
        run -= r;
      }
    }
    for (; run > 0; run--) out.push([len, 0]);
  }
  return out;
}

const CL_EXTRA_BITS = (symbol: number): number => (symbol === 16 ? 2 : symbol === 17 ? 3 : symbol === 18 ? 7 : 0);

/** A block's dynamic codes and the header that describes them. */
interface DynamicCodes {
  litLengths: Uint8Array;
  distLengths: Uint8Array;
  clLengths: Uint8Array;
  runs: number[][];
  hclen: number;
  /** Bits of the header after the 3-bit block header. */
  headerBits: number;
}

function dynamicCodes(litFreq: Uint32Array, distFreq: Uint32Array): DynamicCodes {
  const litAll = codeLengths(litFreq, 15),
    distAll = codeLengths(distFreq, 15);
  let hlit = 286,
    hdist = 30;
  while (hlit > 257 && litAll[hlit - 1] === 0) hlit--;
  while (hdist > 1 && distAll[hdist - 1] === 0) hdist--;
  const litLengths = litAll.subarray(0, hlit),
    distLengths = distAll.subarray(0, hdist);
  const joined = new Uint8Array(hlit + hdist);
  joined.set(litLengths);
  joined.set(distLengths, hlit);
  const runs = runLengths(joined);
  const clFreq = new Uint32Array(19);
  for (const [symbol] of runs) clFreq[symbol!]!++;
  const clLengths = codeLengths(clFreq, 7);
  let hclen = 19;
  while (hclen > 4 && clLengths[CL_ORDER[hclen - 1]!] === 0) hclen--;
  let headerBits = 5 + 5 + 4 + 3 * hclen;
  for (const [symbol] of runs) headerBits += clLengths[symbol!]! + CL_EXTRA_BITS(symbol!);
  return { litLengths, distLengths, clLengths, runs, hclen, headerBits };
}

/** Bits of a block's symbols (without any header) under the given code lengths. */
function symbolBits(litFreq: Uint32Array, distFreq: Uint32Array, litLengths: Uint8Array, distLengths: Uint8Array): number {
  let bits = 0;
  // dynamic lengths stop at the last symbol used; the fixed ones cover more than the frequencies
  for (let s = 0; s < Math.min(litLengths.length, litFreq.length); s++) bits += litFreq[s]! * (litLengths[s]! + (s > 256 ? LENGTH_EXTRA[s - 257]! : 0));
  for (let d = 0; d < Math.min(distLengths.length, distFreq.length); d++) bits += distFreq[d]! * (distLengths[d]! + DIST_EXTRA[d]!);
  return bits;
}

/** The LZ77 tokens of one block and their symbol frequencies. */
class Block {
  /** A literal byte b as b; a match as length << 16 | distance. */
  readonly tokens = new Uint32Array(BLOCK_TOKENS);
  count = 0;
  readonly litFreq = new Uint32Array(286);
  readonly distFreq = new Uint32Array(30);
  /** The input bytes this block covers, from `start`. */
  start = 0;

  literal(b: number): void {
    this.tokens[this.count++] = b;
    this.litFreq[b]!++;
  }

  match(length: number, distance: number): void {
    this.tokens[this.count++] = (length << 16) | distance;
    this.litFreq[257 + LENGTH_CODE[length]!]!++;
    this.distFreq[DIST_CODE[distance]!]!++;
  }

  get full(): boolean {
    return this.count === BLOCK_TOKENS;
  }

  reset(start: number): void {
    this.count = 0;
    this.litFreq.fill(0);
    this.distFreq.fill(0);
    this.start = start;
  }
}

/** Writes a block's tokens as the smallest of a dynamic, fixed or stored block. */
function writeBlock(out: BitWriter, block: Block, data: Uint8Array, end: number, last: boolean): void {
  block.litFreq[END_OF_BLOCK]!++;
  const { litFreq, distFreq } = block;
  const dyn = dynamicCodes(litFreq, distFreq);
  const dynamicBits = 3 + dyn.headerBits + symbolBits(litFreq, distFreq, dyn.litLengths, dyn.distLengths);
  const fixedBits = 3 + symbolBits(litFreq, distFreq, FIXED_LIT_LENGTHS, FIXED_DIST_LENGTHS);
  const bytes = end - block.start;
  const storedBits = Math.max(1, Math.ceil(bytes / MAX_STORED)) * (3 + 7 + 32) + 8 * bytes;
  const final = last ? 1 : 0;

  if (storedBits < Math.min(dynamicBits, fixedBits)) {
    let p = block.start;
    do {
      const len = Math.min(MAX_STORED, end - p);
      out.write(p + len === end ? final : 0, 1);
      out.write(0, 2);
      out.align();
      out.write(len, 16);
      out.write(~len & 0xffff, 16);
      out.append(data.subarray(p, p + len));
      p += len;
    } while (p < end);
    return;
  }

  let litLengths: Uint8Array, distLengths: Uint8Array;
  if (dynamicBits < fixedBits) {
    out.write(final, 1);
    out.write(2, 2);
    out.write(dyn.litLengths.length - 257, 5);
    out.write(dyn.distLengths.length - 1, 5);
    out.write(dyn.hclen - 4, 4);
    for (let i = 0; i < dyn.hclen; i++) out.write(dyn.clLengths[CL_ORDER[i]!]!, 3);
    const clCodes = canonicalCodes(dyn.clLengths);
    for (const [symbol, extra] of dyn.runs) {
      out.write(clCodes[symbol!]!, dyn.clLengths[symbol!]!);
      if (symbol! >= 16) out.write(extra!, CL_EXTRA_BITS(symbol!));
    }
    ({ litLengths, distLengths } = dyn);
  } else {
    out.write(final, 1);
    out.write(1, 2);
    litLengths = FIXED_LIT_LENGTHS;
    distLengths = FIXED_DIST_LENGTHS;
  }
  const litCodes = canonicalCodes(litLengths),
    distCodes = canonicalCodes(distLengths);
  const { tokens, count } = block;
  for (let i = 0; i < count; i++) {
    const t = tokens[i]!;
    if (t < 256) {
      out.write(litCodes[t]!, litLengths[t]!);
      continue;
    }
    const length = t >>> 16,
      distance = t & 0xffff;
    const lc = LENGTH_CODE[length]!,
      dc = DIST_CODE[distance]!;
    out.write(litCodes[257 + lc]!, litLengths[257 + lc]!);
    if (LENGTH_EXTRA[lc]! > 0) out.write(length - LENGTH_BASE[lc]!, LENGTH_EXTRA[lc]!);
    out.write(distCodes[dc]!, distLengths[dc]!);
    if (DIST_EXTRA[dc]! > 0) out.write(distance - DIST_BASE[dc]!, DIST_EXTRA[dc]!);
  }
  out.write(litCodes[END_OF_BLOCK]!, litLengths[END_OF_BLOCK]!);
}

/** Adler-32 of `data` (RFC 1950), summed in runs short enough not to overflow. */
function adler32(data: Uint8Array): number {
  let a = 1,
    b = 0;
  for (let i = 0; i < data.length;) {
    const end = Math.min(data.length, i + 5552);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * Compresses `data` into a zlib stream (RFC 1950: header, deflate data, Adler-32), as
 * `inflate` in zlib or any PNG decoder reads it.
 */
export function zlibCompress(data: Uint8Array): Uint8Array {
  const n = data.length;
  const out = new BitWriter();
  out.byte(0x78); // deflate, 32 KiB window
  out.byte(0x9c); // default compression level; (0x78 << 8 | 0x9c) % 31 === 0

  // hash chains: head[h] is the latest position whose next 3 bytes hash to h, prev[p & mask]
  // the position before p with the same hash (-1: none)
  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const prev = new Int32Array(WINDOW);
  const hashAt = (p: number): number => Math.imul((data[p]! << 16) | (data[p + 1]! << 8) | data[p + 2]!, 0x9e3779b1) >>> (32 - HASH_BITS);
  const insert = (p: number): void => {
    if (p + MIN_MATCH > n) return;
    const h = hashAt(p);
    prev[p & WINDOW_MASK] = head[h]!;
    head[h] = p;
  };
  // the longest match for position p (already inserted): sets matchLength and matchDistance
  let matchLength = 0,
    matchDistance = 0;
  const findMatch = (p: number, toBeat = 0): void => {
    matchLength = 0;
    const maxLength = Math.min(MAX_MATCH, n - p);
    if (maxLength < MIN_MATCH) return;
    let best = MIN_MATCH - 1;
    let candidate = prev[p & WINDOW_MASK]!;
    // distances stay below WINDOW, so no chain link on the way has been overwritten
    for (let chain = toBeat >= GOOD_MATCH ? MAX_CHAIN >> 2 : MAX_CHAIN; candidate >= 0 && p - candidate < WINDOW && chain > 0; chain--) {
      if (data[candidate + best] === data[p + best] && data[candidate] === data[p]) {
        let len = 1;
        while (len < maxLength && data[candidate + len] === data[p + len]) len++;
        if (len > best) {
          best = len;
          matchDistance = p - candidate;
          if (len >= maxLength || len >= NICE_MATCH) break;
        }
      }
      candidate = prev[candidate & WINDOW_MASK]!;
    }
    if (best >= MIN_MATCH) matchLength = best;
  };

  const block = new Block();
  const emitIfFull = (p: number): void => {
    if (!block.full) return;
    writeBlock(out, block, data, p, false);
    block.reset(p);
  };
  let p = 0;
  if (n > 0) {
    insert(0);
    findMatch(0);
  }
  while (p < n) {
    if (matchLength === 0) {
      block.literal(data[p]!);
      p++;
    } else {
      // lazy matching: if the match at p + 1 is longer, send data[p] as a literal and take that
      if (matchLength < LAZY_MATCH && p + 1 < n) {
        const length = matchLength,
          distance = matchDistance;
        insert(p + 1);
        findMatch(p + 1, length);
        if (matchLength > length) {
          block.literal(data[p]!);
          p++;
          emitIfFull(p);
          continue;
        }
        block.match(length, distance);
        for (let q = p + 2; q < p + length; q++) insert(q);
        p += length;
      } else {
        block.match(matchLength, matchDistance);
        for (let q = p + 1; q < p + matchLength; q++) insert(q);
        p += matchLength;
      }
    }
    emitIfFull(p);
    if (p < n) {
      insert(p);
      findMatch(p);
    }
  }
  writeBlock(out, block, data, n, true);
  out.align();
  const adler = adler32(data);
  out.byte(adler >>> 24);
  out.byte((adler >>> 16) & 255);
  out.byte((adler >>> 8) & 255);
  out.byte(adler & 255);
  return out.bytes.slice(0, out.length);
}
