/**
 * A small PNG encoder with no dependency and no platform API, so previews and galleries
 * work in Node and in browsers alike. Pixels are stored uncompressed (deflate "stored"
 * blocks): the images are small grids of digits, and this keeps the encoder a few lines.
 * @module
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Encodes an 8-bit image as PNG. `pixels` holds width * height * channels bytes, row-major;
 * channels 1 is grayscale, 3 RGB, 4 RGBA.
 */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 | 4): Uint8Array {
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new RangeError(`encodePng: width and height must be positive integers, got ${width} x ${height}`);
  }
  if (pixels.length !== width * height * channels) {
    throw new RangeError(`encodePng: expected ${width * height * channels} bytes for ${width} x ${height} x ${channels}, got ${pixels.length}`);
  }
  const colorType = channels === 1 ? 0 : channels === 3 ? 2 : 6;
  const rowBytes = width * channels + 1; // filter byte + pixels
  const raw = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width * channels, (y + 1) * width * channels), y * rowBytes + 1);
  // zlib stream of stored blocks (at most 65535 bytes each)
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const zlib = new Uint8Array(2 + blocks * 5 + raw.length + 4);
  zlib[0] = 0x78;
  zlib[1] = 0x01;
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535, len = Math.min(65535, raw.length - start);
    zlib[o++] = b === blocks - 1 ? 1 : 0;
    zlib[o++] = len & 255;
    zlib[o++] = len >>> 8;
    zlib[o++] = ~len & 255;
    zlib[o++] = (~len >>> 8) & 255;
    zlib.set(raw.subarray(start, start + len), o);
    o += len;
  }
  let a = 1, bsum = 0;
  for (let i = 0; i < raw.length; i++) {
    a = (a + raw[i]!) % 65521;
    bsum = (bsum + a) % 65521;
  }
  const adler = ((bsum << 16) | a) >>> 0;
  zlib[o++] = adler >>> 24;
  zlib[o++] = (adler >>> 16) & 255;
  zlib[o++] = (adler >>> 8) & 255;
  zlib[o++] = adler & 255;

  const chunks: [string, Uint8Array][] = [];
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  chunks.push(['IHDR', ihdr], ['IDAT', zlib], ['IEND', new Uint8Array(0)]);
  const total = 8 + chunks.reduce((s, [, d]) => s + 12 + d.length, 0);
  const out = new Uint8Array(total);
  out.set([137, 80, 78, 71, 13, 10, 26, 10], 0);
  let p = 8;
  const odv = new DataView(out.buffer);
  for (const [type, data] of chunks) {
    odv.setUint32(p, data.length);
    for (let i = 0; i < 4; i++) out[p + 4 + i] = type.charCodeAt(i);
    out.set(data, p + 8);
    odv.setUint32(p + 8 + data.length, crc32(out, p + 4, p + 8 + data.length));
    p += 12 + data.length;
  }
  return out;
}

/**
 * Lays out equally sized float images (values in [lo, hi]) in a grid, with a 1-pixel border,
 * as 8-bit pixels ready for {@link encodePng}. Each image is height x width x channels.
 */
export function imageGrid(
  images: ArrayLike<number>[],
  shape: { height: number; width: number; channels: 1 | 3 },
  options: { columns?: number; lo?: number; hi?: number; scale?: number } = {},
): { pixels: Uint8Array; width: number; height: number; channels: 1 | 3 } {
  const { height: h, width: w, channels: ch } = shape;
  const cols = Math.max(1, Math.min(options.columns ?? 10, images.length || 1));
  const rows = Math.max(1, Math.ceil(images.length / cols));
  const s = Math.max(1, Math.floor(options.scale ?? 1));
  const lo = options.lo ?? 0, hi = options.hi ?? 1;
  const W = cols * (w * s + 1) + 1, H = rows * (h * s + 1) + 1;
  const out = new Uint8Array(W * H * ch).fill(128);
  images.forEach((img, idx) => {
    const gx = (idx % cols) * (w * s + 1) + 1, gy = Math.floor(idx / cols) * (h * s + 1) + 1;
    for (let y = 0; y < h * s; y++) {
      for (let x = 0; x < w * s; x++) {
        for (let c = 0; c < ch; c++) {
          const v = img[(Math.floor(y / s) * w + Math.floor(x / s)) * ch + c]!;
          const t = Math.round(((v - lo) / (hi - lo)) * 255);
          out[((gy + y) * W + gx + x) * ch + c] = Math.max(0, Math.min(255, Number.isNaN(t) ? 0 : t));
        }
      }
    }
  });
  return { pixels: out, width: W, height: H, channels: ch };
}
