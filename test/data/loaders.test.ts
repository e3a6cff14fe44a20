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

/** scikit-learn's diabetes target (sklearn/datasets/data/diabetes_target.csv.gz): 442 integers, 214 distinct, 25..346. */
const DIABETES_TARGET = (
  '151 75 141 206 135 97 138 63 110 310 101 69 179 185 118 171 166 144 97 168 68 49 68 245 184 202 137 85 131 283 129 59 341 87 65 102 265 276 ' +
  '252 90 100 55 61 92 259 53 190 142 75 142 155 225 59 104 182 128 52 37 170 170 61 144 52 128 71 163 150 97 160 178 48 270 202 111 85 42 170 ' +
  '200 252 113 143 51 52 210 65 141 55 134 42 111 98 164 48 96 90 162 150 279 92 83 128 102 302 198 95 53 134 144 232 81 104 59 246 297 258 229 ' +
  '275 281 179 200 200 173 180 84 121 161 99 109 115 268 274 158 107 83 103 272 85 280 336 281 118 317 235 60 174 259 178 128 96 126 288 88 292 ' +
  '71 197 186 25 84 96 195 53 217 172 131 214 59 70 220 268 152 47 74 295 101 151 127 237 225 81 151 107 64 138 185 265 101 137 143 141 79 292 ' +
  '178 91 116 86 122 72 129 142 90 158 39 196 222 277 99 196 202 155 77 191 70 73 49 65 263 248 296 214 185 78 93 252 150 77 208 77 108 160 53 ' +
  '220 154 259 90 246 124 67 72 257 262 275 177 71 47 187 125 78 51 258 215 303 243 91 150 310 153 346 63 89 50 39 103 308 116 145 74 45 115 ' +
  '264 87 202 127 182 241 66 94 283 64 102 200 265 94 230 181 156 233 60 219 80 68 332 248 84 200 55 85 89 31 129 83 275 65 198 236 253 124 44 ' +
  '172 114 142 109 180 144 163 147 97 220 190 109 191 122 230 242 248 249 192 131 237 78 135 244 199 270 164 72 96 306 91 214 95 216 263 178 ' +
  '113 200 139 139 88 148 88 243 71 77 109 272 60 54 221 90 311 281 182 321 58 262 206 233 242 123 167 63 197 71 168 140 217 121 235 245 40 52 ' +
  '104 132 88 69 219 72 201 110 51 277 63 118 69 273 258 43 198 242 232 175 93 168 275 293 281 72 140 189 181 209 136 261 113 131 174 257 55 84 ' +
  '42 146 212 233 91 111 152 120 67 310 94 183 66 173 72 49 64 48 178 104 132 220 57 '
)
  .trim()
  .split(' ')
  .map(Number);

/** CSV text with one numeric feature (the row index) and the given labels. */
const labelled = (labels: readonly (string | number)[]): string => 'x,y\n' + labels.map((y, i) => `${i},${y}`).join('\n') + '\n';

describe('fromCsv: bad labels and task inference (issue 11)', () => {
  const digits = Array.from({ length: 200 }, (_, i) => i % 10);

  it('rejects a label far beyond the others (1e9 among digits), naming the value and line, instead of making 1e9 + 1 classes', () => {
    const labels = [...digits];
    labels[57] = 1e9;
    expect(() => fromCsv(labelled(labels))).toThrow(
      /label column "y" holds the label "1000000000" on line 59, which would make 1000000001 classes, but only 11 distinct/,
    );
    // explicitly asked for classification, the integers are read as class names
    const d = fromCsv(labelled(labels), { task: 'classification' });
    expect(d.classes).toBe(11);
    expect(d.classNames!.at(-1)).toBe('1000000000');
    expect(d.y[57]).toBe(10);
    expect(d.y[3]).toBe(3);
  });

  it('rejects a negative label in auto mode instead of shifting every class; task: classification reads names', () => {
    const labels = [...digits];
    labels[4] = -1;
    expect(() => fromCsv(labelled(labels))).toThrow(/holds the negative label "-1" on line 6: class labels are indices 0..k-1; pass task: 'classification'/);
    const d = fromCsv(labelled(labels), { task: 'classification' });
    expect(d.classNames!.slice(0, 3)).toEqual(['-1', '0', '1']);
    expect(d.y[4]).toBe(0);
    expect(d.y[5]).toBe(6); // label 5 is class "5", the 7th name
    expect(fromCsv(labelled(labels), { task: 'regression' }).y[4]).toBe(-1);
  });

  it('rejects one non-integer label among integer classes, naming the line, instead of turning the task into regression', () => {
    const labels = [...digits];
    labels[10] = 1.5;
    expect(() => fromCsv(labelled(labels))).toThrow(/holds integer class labels except line 12: "1.5": class labels must be integers/);
    expect(() => fromCsv(labelled(labels), { task: 'classification' })).toThrow(
      /task is 'classification' but the label column "y" holds labels that are not integers: line 12: "1.5"/,
    );
    expect(fromCsv(labelled(labels), { task: 'regression' }).y[10]).toBe(1.5);
    // real regression targets are still inferred
    expect(fromCsv(labelled(digits.map((v, i) => v + (i % 3) / 4))).y).toBeInstanceOf(Float32Array);
  });

  it("reads scikit-learn's diabetes target (214 distinct integers) as regression, and follows task when forced", () => {
    expect(DIABETES_TARGET.length).toBe(442);
    const d = fromCsv(labelled(DIABETES_TARGET));
    expect(d.y).toBeInstanceOf(Float32Array);
    expect(d.classes).toBeUndefined();
    expect(Array.from(d.y.subarray(0, 3))).toEqual([151, 75, 141]);
    const c = fromCsv(labelled(DIABETES_TARGET), { task: 'classification' });
    expect(c.classes).toBe(347); // indices 0..346, as asked
    // few distinct integers, or many rows per value, stay classes
    expect(fromCsv(labelled(digits)).classes).toBe(10);
    expect(fromCsv(labelled(Array.from({ length: 1000 }, (_, i) => i % 50))).classes).toBe(50);
  });

  it('rejects a few text labels among numbers', () => {
    const labels: (string | number)[] = [...digits];
    labels[7] = 'seven';
    expect(() => fromCsv(labelled(labels))).toThrow(/label column "y" holds numbers except line 9: "seven"/);
    expect(fromCsv(labelled(labels), { task: 'classification' }).classes).toBe(11);
  });
});

describe('fromCsv: a bad cell in a numeric column (issue 11)', () => {
  const rows = 3000;
  const text = (bad: string): string => {
    const lines = ['a,b,label'];
    for (let i = 0; i < rows; i++) lines.push(`${(i * 0.37).toFixed(3)},${i % 5},${i % 2}`);
    lines[1001] = `${bad},1,0`;
    return lines.join('\n') + '\n';
  };

  it('names the column, line and cell instead of one-hot encoding 3000 values', () => {
    expect(() => fromCsv(text('7.0.0'))).toThrow(/column "a" holds numbers except line 1002: "7.0.0". Fix those cells, or pass nonNumeric: 'missing'/);
  });

  it("with nonNumeric: 'missing' the cell is a missing value, handled by options.missing", () => {
    expect(() => fromCsv(text('7.0.0'), { nonNumeric: 'missing' })).toThrow(/1 missing value: line 1002 column "a"/);
    const d = fromCsv(text('7.0.0'), { nonNumeric: 'missing', missing: 'drop' });
    expect(d.features).toBe(2);
    expect(d.length).toBe(rows - 1);
    expect(d.dropped).toEqual(['line 1002']);
    expect(fromCsv(text('7.0.0'), { nonNumeric: 'missing', missing: -1 }).x[1000 * 2]).toBe(-1);
  });

  it('caps one-hot expansion with an error naming the column and options.maxCategories', () => {
    const ids = 'id,label\n' + Array.from({ length: 1500 }, (_, i) => `u${i},${i % 2}`).join('\n') + '\n';
    expect(() => fromCsv(ids)).toThrow(/column "id" has 1500 distinct values, more than options.maxCategories = 1000/);
    expect(fromCsv(ids, { maxCategories: 2000 }).features).toBe(1500);
    expect(fromCsv(ids, { categorical: 'ordinal' }).features).toBe(1);
    expect(() => fromCsv(ids, { maxCategories: 0 })).toThrow(/options.maxCategories must be a positive integer, got 0/);
    expect(() => fromCsv(ids, { nonNumeric: 'skip' as never })).toThrow(/options.nonNumeric must be 'error' or 'missing', got "skip"/);
  });

  it('keeps a mostly-text column categorical', () => {
    const d = fromCsv('size,label\nS,0\nM,1\nL,0\n10,1\n');
    expect(d.featureNames).toEqual(['size=10', 'size=L', 'size=M', 'size=S']);
  });
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

  it('rejects a string among numbers of one key, naming the row (issue 11)', () => {
    const rows = [
      { a: 1.5, y: 0 },
      { a: 2, y: 1 },
      { a: '7.0.0', y: 0 },
    ];
    expect(() => fromJsonRows(rows, { labelKey: 'y' })).toThrow(/column "a" holds numbers except row 2: "7.0.0"/);
    expect(Array.from(fromJsonRows(rows, { labelKey: 'y', nonNumeric: 'missing', missing: 0 }).x)).toEqual([1.5, 2, 0]);
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
    else if (type === 0x0c) v.setInt32(o, x);
    else if (type === 0x0e) v.setFloat64(o, x);
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

  it('rejects non-integer float labels instead of truncating them into another class (issue 11)', () => {
    const images = idx(0x08, [3, 1, 1], [0, 1, 2]);
    expect(() => fromIdx(images, idx(0x0d, [3], [1, 2.5, 3], 4))).toThrow(/labels\[1\] is 2.5 \(float32\): class labels must be integers/);
    expect(Array.from(fromIdx(images, idx(0x0d, [3], [1, 2, 3], 4)).y)).toEqual([1, 2, 3]);
    expect(() => fromIdx(images, idx(0x0d, [3], [1, 2, 2 ** 33], 4))).toThrow(/labels\[2\] is 8589934592 \(float32\)/);
    // float64: 2^32 + 1 would wrap to class 1 in an Int32Array
    expect(() => fromIdx(images, idx(0x0e, [3], [1, 2 ** 32 + 1, 0], 8))).toThrow(/labels\[1\] is 4294967297 \(float64\)/);
    expect(() => fromIdx(images, idx(0x0e, [3], [0.5, 1, 0], 8))).toThrow(/labels\[0\] is 0.5 \(float64\)/);
  });

  it('rejects a label far beyond the others (1e9 among digits) instead of making 1e9 + 1 classes (issue 11)', () => {
    const n = 50;
    const labels = Array.from({ length: n }, (_, i) => i % 10);
    labels[17] = 1e9;
    const images = idx(0x08, [n, 1, 1], new Array<number>(n).fill(0));
    expect(() => fromIdx(images, idx(0x0c, [n], labels, 4))).toThrow(
      /fromIdx: labels\[17\] is 1000000000, which would make 1000000001 classes, but only 11 distinct/,
    );
    // a class count given by the caller is checked against the labels instead
    expect(() => fromIdx(images, idx(0x0c, [n], labels, 4), { classes: 10 })).toThrow(/label out of range \(10 classes/);
    expect(
      fromIdx(
        images,
        idx(
          0x08,
          [n],
          labels.map((v) => v % 10),
        ),
      ).classes,
    ).toBe(10);
  });
});
