import { describe, expect, it } from 'vitest';
import { CsvTokenizer, fromCsv } from '../../src/data/csv';
import { fromJsonRows } from '../../src/data/json';
import { fromIdx, readIdx } from '../../src/data/idx';
import { ShapeError } from '../../src/errors';

const CSV = `age,color,size,label
31,red,1.5,yes
45,blue,2,no
27,red,0.5,yes
52,green,3,no
`;

describe('CsvTokenizer', () => {
  it('parses quotes, doubled quotes, CRLF, embedded newlines and skips blank lines', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""",3\r\n\r\n"multi\nline",,\n4,5,6';
    const t = new CsvTokenizer();
    const recs = [...t.push(text), ...t.end()];
    expect(recs.map((r) => r.fields)).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', '3'],
      ['multi\nline', '', ''],
      ['4', '5', '6'],
    ]);
    expect(recs.map((r) => r.line)).toEqual([1, 2, 4, 6]);
  });

  it('gives the same records whatever the chunking', () => {
    const text = 'a,b\n"q""u\r\no",2\r\n3,"4"\n';
    const whole = new CsvTokenizer();
    const expected = [...whole.push(text), ...whole.end()];
    for (let size = 1; size <= 5; size++) {
      const t = new CsvTokenizer();
      const got = [];
      for (let i = 0; i < text.length; i += size) got.push(...t.push(text.slice(i, i + size)));
      got.push(...t.end());
      expect(got, `chunks of ${size}`).toEqual(expected);
    }
  });

  it('reports an unclosed quote with its line', () => {
    const t = new CsvTokenizer();
    t.push('a\n"open');
    expect(() => t.end()).toThrow(/quoted field opened on line 2 is never closed/);
  });
});

describe('fromCsv', () => {
  it('reads numeric columns, one-hot encodes categories, and reads string labels as classes', () => {
    const d = fromCsv(CSV, { labelColumn: 'label' });
    expect(d.featureNames).toEqual(['age', 'color=blue', 'color=green', 'color=red', 'size']);
    expect(d.classNames).toEqual(['no', 'yes']);
    expect(Array.from(d.y)).toEqual([1, 0, 1, 0]);
    expect(Array.from(d.x.subarray(0, 5))).toEqual([31, 0, 0, 1, 1.5]);
    expect(d.encoding.columns.map((c) => c.kind)).toEqual(['numeric', 'onehot', 'numeric']);
  });

  it('encodes ordinal columns and reuses a fitted encoding for another file', () => {
    const d = fromCsv(CSV, { categorical: { color: 'ordinal' }, vocabularies: { color: ['red', 'green', 'blue'] } });
    expect(d.featureNames).toEqual(['age', 'color', 'size']);
    expect(Array.from(d.x.subarray(0, 12))).toEqual([31, 0, 1.5, 45, 2, 2, 27, 0, 0.5, 52, 1, 3]);
    const test = fromCsv('age,color,size,label\n60,blue,1,no\n', { encoding: d.encoding });
    expect(Array.from(test.x)).toEqual([60, 2, 1]);
    expect(Array.from(test.y)).toEqual([0]);
    expect(() => fromCsv('age,color,size,label\n60,purple,1,no\n', { encoding: d.encoding })).toThrow(
      /line 2 column "color": "purple" is not one of its 3 categories/,
    );
    expect(() => fromCsv('age,color,size,label\n60,red,1,maybe\n', { encoding: d.encoding })).toThrow(/"maybe" is not one of the 2 classes/);
  });

  it('reads integer labels as class indices and non-integers as regression targets', () => {
    expect(Array.from(fromCsv('a,y\n1,2\n2,0\n').y)).toEqual([2, 0]);
    const r = fromCsv('a,y\n1,2.5\n2,-1\n');
    expect(r.y).toBeInstanceOf(Float32Array);
    expect(Array.from(r.y)).toEqual([2.5, -1]);
    expect(fromCsv('a,y\n1,2\n2,0\n', { task: 'regression' }).y).toBeInstanceOf(Float32Array);
  });

  it('reports missing values by line and column, or drops or fills them as asked', () => {
    const text = 'a,b,label\n1,,x\n2,3,y\nNA,4,\n5,6,x\n';
    expect(() => fromCsv(text)).toThrow(/3 missing values: line 2 column "b", line 4 column "a", line 4 column "label" \(the label\)/);
    const dropped = fromCsv(text, { missing: 'drop' });
    expect(dropped.length).toBe(2);
    expect(dropped.dropped).toEqual(['line 2', 'line 4']);
    expect(() => fromCsv(text, { missing: -1 })).toThrow(/1 missing value in the label column \(labels are never filled\): line 4/);
    const filled = fromCsv('a,b,label\n1,,x\n2,3,y\n', { missing: -1 });
    expect(Array.from(filled.x)).toEqual([1, -1, 2, 3]);
    expect(filled.filled).toBe(1);
  });

  it('reads a source column and a header-less file', () => {
    const d = fromCsv('1,FR,0\n2,DE,1\n', { header: false, labelColumn: 2, sourceColumn: 1 });
    expect(d.source).toEqual(['FR', 'DE']);
    expect(d.featureNames).toEqual(['0']);
  });

  const bad: [string, () => unknown, RegExp, (new (...a: never[]) => Error)?][] = [
    ['ragged rows', () => fromCsv('a,b\n1,2\n3\n4,5,6\n'), /ragged rows: the header has 2 columns but line 3 has 1, line 4 has 3/, ShapeError],
    ['an unknown label column', () => fromCsv(CSV, { labelColumn: 'nope' }), /options.labelColumn "nope" is not a column/, RangeError],
    ['an infinite number', () => fromCsv('a,b\n1,0\nInfinity,1\n'), /line 3 column "a": "Infinity" is not finite/, RangeError],
    [
      'a text value in a forced numeric column',
      () => fromCsv('a,b\nx,0\n', { categorical: { a: 'numeric' } }),
      /line 2 column "a": "x" is not a number/,
      RangeError,
    ],
    ['a duplicated header', () => fromCsv('a,a\n1,2\n'), /names column "a" twice/, RangeError],
    [
      'a bad missing option',
      () => fromCsv(CSV, { missing: 'zero' as never }),
      /options.missing must be 'error', 'drop' or a finite number, got "zero"/,
      RangeError,
    ],
    ['a file path in the browser build', () => fromCsv({ path: 'x.csv' }), /needs Node.js/, TypeError],
  ];
  for (const [name, fn, message, type] of bad) {
    it(`rejects ${name}`, () => {
      expect(fn).toThrow(message);
      if (type) expect(fn).toThrow(type);
    });
  }
});

describe('fromJsonRows', () => {
  it('reads numbers, booleans and string categories, with a source key', () => {
    const d = fromJsonRows(
      [
        { age: 31, member: true, country: 'FR', code: '007', bought: 1 },
        { age: 45, member: false, country: 'DE', code: '7', bought: 0 },
      ],
      { labelKey: 'bought', sourceKey: 'country' },
    );
    expect(d.featureNames).toEqual(['age', 'member', 'code=007', 'code=7']); // strings stay categories
    expect(Array.from(d.x)).toEqual([31, 1, 1, 0, 45, 0, 0, 1]);
    expect(d.source).toEqual(['FR', 'DE']);
    expect(Array.from(d.y)).toEqual([1, 0]);
  });

  it('reports missing keys and nested values by row', () => {
    expect(() => fromJsonRows([{ a: 1, y: 0 }, { y: 1 }, { a: null, y: 1 }], { labelKey: 'y' })).toThrow(
      /2 missing values: row 1 column "a", row 2 column "a"/,
    );
    expect(() => fromJsonRows([{ a: [1, 2], y: 0 }], { labelKey: 'y' })).toThrow(/row 0 key "a" holds an array of length 2/);
    expect(() => fromJsonRows([{ a: 1, y: 0 }, 5 as never])).toThrow(/row 1 must be an object, got 5/);
  });
});

/** An IDX file built by hand: magic, dims, then values. */
function idx(type: number, dims: number[], values: number[], bytesPer = 1): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + values.length * bytesPer);
  const v = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  values.forEach((x, i) => {
    const o = 4 + 4 * dims.length + i * bytesPer;
    if (type === 0x08) v.setUint8(o, x);
    else if (type === 0x0d) v.setFloat32(o, x);
    else if (type === 0x0b) v.setInt16(o, x);
  });
  return out;
}

describe('fromIdx', () => {
  it('reads MNIST-format images and labels, scaling bytes to [0, 1]', () => {
    const pixels = Array.from({ length: 3 * 2 * 4 }, (_, i) => (i * 11) % 256);
    const d = fromIdx(idx(0x08, [3, 2, 4], pixels), idx(0x08, [3], [7, 0, 9]));
    expect(d.shape).toEqual({ height: 2, width: 4, channels: 1 });
    expect(d.length).toBe(3);
    expect(Array.from(d.y)).toEqual([7, 0, 9]);
    expect(d.x[5]).toBe(Math.fround(55 / 255));
    expect(d.classes).toBe(10);
  });

  it('reads other value types and a channel dimension', () => {
    const a = readIdx(idx(0x0d, [2, 1], [1.5, -2], 4));
    expect(a.type).toBe('float32');
    expect(Array.from(a.data)).toEqual([1.5, -2]);
    expect(Array.from(readIdx(idx(0x0b, [2], [-300, 5], 2)).data)).toEqual([-300, 5]);
    const d = fromIdx(idx(0x08, [1, 1, 2, 3], [0, 51, 102, 153, 204, 255]), idx(0x08, [1], [1]));
    expect(d.shape).toEqual({ height: 1, width: 2, channels: 3 });
  });

  it('rejects wrong magic numbers, truncated files and count mismatches', () => {
    const good = idx(0x08, [2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(() => fromIdx(new Uint8Array([1, 2, 3, 4]), idx(0x08, [2], [0, 1]))).toThrow(/images is not an IDX file/);
    expect(() => fromIdx(good.subarray(0, good.length - 1), idx(0x08, [2], [0, 1]))).toThrow(
      /images has 23 bytes, but its header \(uint8, dims 2 x 2 x 2\) needs exactly 24/,
    );
    expect(() => fromIdx(good, idx(0x08, [3], [0, 1, 2]))).toThrow(/2 images but 3 labels/);
    expect(() => fromIdx(good, idx(0x07, [2], [0, 1]))).toThrow(/unknown IDX type code 0x7/);
    expect(() => readIdx(new Uint8Array([0x1f, 0x8b, 8, 0]))).toThrow(/gzip-compressed/);
  });
});
