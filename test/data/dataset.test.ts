import { describe, expect, it } from 'vitest';
import { Dataset, dataset } from '../../src/data/dataset';
import { ShapeError } from '../../src/errors';

describe('Dataset', () => {
  it('builds from nested arrays and keeps every optional column in step through subset', () => {
    const d = dataset({
      x: [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      y: [0, 2, 1],
      weights: [1, 0.5, 2],
      source: ['web', 'phone', 'web'],
      featureNames: ['a', 'b'],
      classNames: ['x', 'y', 'z'],
    });
    expect(d.length).toBe(3);
    expect(d.features).toBe(2);
    expect(d.classes).toBe(3);
    expect(d.y).toBeInstanceOf(Int32Array);
    const s = d.subset([2, 0, 2]);
    expect(Array.from(s.x)).toEqual([5, 6, 1, 2, 5, 6]);
    expect(Array.from(s.y)).toEqual([1, 0, 1]);
    expect(Array.from(s.weights!)).toEqual([2, 1, 2]);
    expect(s.source).toEqual(['web', 'web', 'web']);
    expect(s.featureNames).toEqual(['a', 'b']);
    expect(s.classNames).toEqual(['x', 'y', 'z']);
    expect(Array.from(d.row(1))).toEqual([3, 4]);
  });

  it('one-hot encodes class labels, keeping weights and source', () => {
    const d = dataset({ x: new Float32Array(3), features: 1, y: new Int32Array([0, 2, 1]), classes: 4, source: new Int32Array([7, 7, 8]) });
    const o = d.toOneHot();
    expect(Array.from(o.y)).toEqual([1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
    expect(o.outputs).toBe(4);
    expect(Array.from(o.source as Int32Array)).toEqual([7, 7, 8]);
    expect(() => o.toOneHot()).toThrow(/already holds float targets/);
    expect(() => d.toOneHot(2)).toThrow(/label out of range at row 1: 2/);
  });

  it('reads a plain number[] y as labels when all are non-negative integers, else as float targets', () => {
    expect(dataset({ x: [[0], [1]], y: [0, 1] }).y).toBeInstanceOf(Int32Array);
    const r = dataset({ x: [[0], [1]], y: [0.5, -1] });
    expect(r.y).toBeInstanceOf(Float32Array);
    expect(r.classes).toBeUndefined();
    expect(
      dataset({
        x: [[0], [1]],
        y: [
          [1, 2],
          [3, 4],
        ],
      }).outputs,
    ).toBe(2);
  });

  it('carries an image shape that must match the features', () => {
    const d = dataset({ x: new Float32Array(2 * 12), y: new Int32Array(2), shape: { height: 2, width: 3, channels: 2 } });
    expect(d.features).toBe(12);
    expect(() => dataset({ x: new Float32Array(12), features: 12, y: new Int32Array(1), shape: { height: 2, width: 2, channels: 2 } })).toThrow(
      /shape 2 x 2 x 2 = 8 values per row, but features is 12/,
    );
  });

  // bad input: one line per case, each a clear error naming the problem
  const cases: [string, () => unknown, RegExp, (new (...a: never[]) => Error)?][] = [
    ['ragged rows', () => dataset({ x: [[1, 2], [3]], y: [0, 1] }), /ragged rows: row 1 has 1 values, row 0 has 2/, ShapeError],
    [
      'x not a multiple of features',
      () => dataset({ x: new Float32Array(5), features: 2, y: new Int32Array(2) }),
      /not a multiple of features = 2/,
      ShapeError,
    ],
    [
      'NaN in x with row and column',
      () =>
        dataset({
          x: [
            [1, NaN],
            [Infinity, 0],
          ],
          y: [0, 1],
          featureNames: ['a', 'b'],
        }),
      /2 non-finite values .*row 0, column 1 \("b"\): NaN, row 1, column 0 \("a"\): Infinity/,
      RangeError,
    ],
    [
      'label out of range',
      () => dataset({ x: [[1], [2], [3]], y: [0, 3, 1], classes: 3 }),
      /label out of range \(3 classes, labels 0..2\): row 1: 3/,
      RangeError,
    ],
    ['negative label', () => new Dataset({ x: new Float32Array(2), features: 1, y: new Int32Array([0, -1]) }), /label out of range at row 1: -1/, RangeError],
    ['x / y length mismatch', () => dataset({ x: [[1], [2]], y: [0, 1, 1] }), /x has 2 rows but y has 3 labels/, ShapeError],
    ['targets length mismatch', () => dataset({ x: [[1], [2]], y: new Float32Array(3) }), /y has 3 values, not a multiple of 2/, ShapeError],
    ['NaN in targets', () => dataset({ x: [[1], [2]], y: new Float32Array([0, NaN]) }), /y holds 1 non-finite value/, RangeError],
    ['negative weight', () => dataset({ x: [[1], [2]], y: [0, 1], weights: [1, -1] }), /weights must be finite and >= 0, got -1 at row 1/, RangeError],
    ['weights length', () => dataset({ x: [[1], [2]], y: [0, 1], weights: [1] }), /x has 2 rows but weights has 1 values/, ShapeError],
    ['source length', () => dataset({ x: [[1], [2]], y: [0, 1], source: ['a'] }), /x has 2 rows but source has 1 values/, ShapeError],
    [
      'featureNames length',
      () => dataset({ x: [[1], [2]], y: [0, 1], featureNames: ['a', 'b'] }),
      /featureNames has 2 names but there are 1 features/,
      ShapeError,
    ],
    ['x of the wrong type', () => dataset({ x: 'abc' as never, y: [0] }), /x must be a Float32Array or an array of rows, got "abc"/, TypeError],
    ['missing features', () => dataset({ x: new Float32Array(4), y: [0, 1] }), /options.features is required/, TypeError],
    ['non-number cell', () => dataset({ x: [[1, 'a' as never]], y: [0] }), /x\[0\]\[1\] must be a number, got "a"/, TypeError],
  ];
  for (const [name, fn, message, type] of cases) {
    it(`rejects ${name}`, () => {
      expect(fn).toThrow(message);
      if (type) expect(fn).toThrow(type);
    });
  }

  it('does not copy or change the arrays it is given', () => {
    const x = new Float32Array([1, 2, 3, 4]),
      y = new Int32Array([1, 0]);
    const d = new Dataset({ x, y, features: 2 });
    expect(d.x).toBe(x);
    expect(d.y).toBe(y);
    expect(Array.from(x)).toEqual([1, 2, 3, 4]);
  });
});
