/**
 * The IDX format of MNIST (and Fashion-MNIST, EMNIST, KMNIST): a big-endian header
 * (two zero bytes, a type code, the number of dimensions, then each dimension as a uint32)
 * followed by the values. Browser-safe: it reads bytes; `src/data/node/idx.ts` reads files.
 * @module
 */
import { Dataset, impliedClasses } from './dataset';
import { ShapeError, describe } from '../errors';

/** Value types of the IDX format by type code: bytes per value and a reader. */
const TYPES: Record<number, { name: string; bytes: number; read: (v: DataView, o: number) => number }> = {
  0x08: { name: 'uint8', bytes: 1, read: (v, o) => v.getUint8(o) },
  0x09: { name: 'int8', bytes: 1, read: (v, o) => v.getInt8(o) },
  0x0b: { name: 'int16', bytes: 2, read: (v, o) => v.getInt16(o) },
  0x0c: { name: 'int32', bytes: 4, read: (v, o) => v.getInt32(o) },
  0x0d: { name: 'float32', bytes: 4, read: (v, o) => v.getFloat32(o) },
  0x0e: { name: 'float64', bytes: 8, read: (v, o) => v.getFloat64(o) },
};

/** A decoded IDX array: its type, dimensions and values. */
export interface IdxArray {
  type: string;
  dims: number[];
  /** The raw bytes for uint8 data (no copy), else the values as float64. */
  data: Uint8Array | Float64Array;
}

/** What an IDX header says: the value type, the dimensions, and the file's exact size. @internal */
export interface IdxHeader {
  type: string;
  dims: number[];
  /** Bytes of the header. */
  header: number;
  /** Number of values. */
  count: number;
  /** Bytes of the whole file: header plus values. */
  bytes: number;
}

/**
 * Reads the header at the start of `bytes` (which may hold only a prefix of the file, as a
 * streaming decompressor delivers it): undefined while the prefix is too short, an error as
 * soon as the bytes cannot be IDX. The size it implies bounds what a decompressor may produce.
 * @internal
 */
export function idxHeader(where: string, bytes: Uint8Array, name: string): IdxHeader | undefined {
  if ((bytes.length >= 1 && bytes[0] !== 0) || (bytes.length >= 2 && bytes[1] !== 0)) {
    throw new RangeError(`${where}: ${name} is not an IDX file (it must start with two zero bytes, a type code and a dimension count)`);
  }
  if (bytes.length < 4) return undefined;
  const type = TYPES[bytes[2]!];
  if (!type) throw new RangeError(`${where}: ${name} has unknown IDX type code 0x${bytes[2]!.toString(16)}`);
  const nd = bytes[3]!;
  if (nd === 0) throw new RangeError(`${where}: ${name} declares 0 dimensions`);
  const header = 4 + 4 * nd;
  if (bytes.length < header) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  return { type: type.name, dims, header, count, bytes: header + count * type.bytes };
}

/**
 * Decodes one IDX array. Throws on a wrong magic number, an unknown type code, or a length
 * that does not match the header.
 *
 * @example
 * ```ts
 * const { dims, data } = knobs.data.readIdx(bytes); // dims [60000, 28, 28] for MNIST images
 * ```
 */
export function readIdx(bytes: Uint8Array, name = 'data'): IdxArray {
  const where = 'readIdx';
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${where}: ${name} must be a Uint8Array, got ${describe(bytes)}`);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new RangeError(`${where}: ${name} is gzip-compressed (a .gz file): decompress it first (in Node, the file loader does)`);
  }
  const h = idxHeader(where, bytes, name);
  if (!h) throw new RangeError(`${where}: ${name} is truncated: ${bytes.length} bytes, the header alone needs ${bytes.length < 4 ? 4 : 4 + 4 * bytes[3]!}`);
  const { header, dims, count } = h;
  const type = TYPES[bytes[2]!]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length !== h.bytes) {
    throw new RangeError(`${where}: ${name} has ${bytes.length} bytes, but its header (${type.name}, dims ${dims.join(' x ')}) needs exactly ${h.bytes}`);
  }
  if (type.bytes === 1 && type.name === 'uint8') return { type: type.name, dims, data: bytes.subarray(header) };
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = type.read(view, header + i * type.bytes);
  return { type: type.name, dims, data };
}

/** Options of {@link fromIdx}. */
export interface IdxOptions {
  /** Pixel values are divided by this. Default 255 for uint8 images (values in [0, 1]), else 1. */
  scale?: number;
  /** Class names; default: none (labels are the class indices). */
  classNames?: readonly string[];
  /**
   * Number of classes; default `classNames.length`, else the largest label + 1 (an error when
   * that is far beyond the distinct labels: a stray 1e9 among digits). Labels must be integers.
   */
  classes?: number;
}

/**
 * Reads IDX images and labels (the MNIST format) into an image dataset: x in [0, 1] for
 * uint8 pixels, `shape` {height, width, channels} from the header (3 dimensions: grayscale;
 * a 4th dimension: channels).
 *
 * @example
 * ```ts
 * const train = knobs.data.fromIdx(imagesBytes, labelsBytes);   // train-images-idx3-ubyte, train-labels-idx1-ubyte
 * train.shape;   // { height: 28, width: 28, channels: 1 }
 * ```
 */
export function fromIdx(images: Uint8Array, labels: Uint8Array, options: IdxOptions = {}): Dataset {
  const where = 'fromIdx';
  const img = readIdx(images, 'images');
  const lab = readIdx(labels, 'labels');
  if (img.dims.length < 3 || img.dims.length > 4)
    throw new ShapeError(`${where}: images must have 3 dimensions (count, height, width) or 4 (count, height, width, channels), got ${img.dims.join(' x ')}`);
  if (lab.dims.length !== 1) throw new ShapeError(`${where}: labels must have 1 dimension, got ${lab.dims.join(' x ')}`);
  const [n, height, width, channels = 1] = img.dims as [number, number, number, number?];
  if (lab.dims[0] !== n) throw new ShapeError(`${where}: ${n} images but ${lab.dims[0]} labels`);
  const scale = options.scale ?? (img.type === 'uint8' ? 255 : 1);
  if (typeof scale !== 'number' || !(scale > 0) || !Number.isFinite(scale))
    throw new RangeError(`${where}: options.scale must be a positive number, got ${describe(scale)}`);
  const x = new Float32Array(img.data.length);
  // divided in float64 and rounded once: byte b gives the f32 nearest to b / 255
  for (let i = 0; i < x.length; i++) x[i] = img.data[i]! / scale;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = lab.data[i]!;
    // float labels are never truncated into another class: 2.7 is an error, not class 2
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff)
      throw new RangeError(`${where}: labels[${i}] is ${v} (${lab.type}): class labels must be integers from 0 to 2^31 - 1`);
    y[i] = v;
  }
  const classes =
    options.classes ??
    options.classNames?.length ??
    impliedClasses(where, y, (i) => `labels[${i}]`, 'pass options.classes or options.classNames when some classes are absent');
  return new Dataset({
    x,
    y,
    features: height * width * channels,
    shape: { height, width, channels },
    ...(classes !== undefined ? { classes } : {}),
    ...(options.classNames ? { classNames: options.classNames } : {}),
  });
}
