import { describe, expect, it } from 'vitest';
import { Dataset, dataset } from '../../src/data/dataset';
import { attributeWeights, classWeight, exampleWeights, oversample } from '../../src/data/weights';

describe('classWeight', () => {
  it("'balanced' gives n_samples / (n_classes * count), as scikit-learn", () => {
    const y = new Int32Array([0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2]);
    // sklearn.utils.class_weight.compute_class_weight('balanced', classes=[0,1,2], y=y)
    const w = classWeight(y, 'balanced');
    expect(w[0]).toBeCloseTo(12 / (3 * 4), 12);
    expect(w[1]).toBeCloseTo(2, 12);
    expect(w[2]).toBeCloseTo(12 / 18, 12);
    // every class then carries the same total weight
    const s = exampleWeights(y, 'balanced');
    const totals = [0, 0, 0];
    y.forEach((c, i) => (totals[c]! += s[i]!));
    for (const t of totals) expect(t).toBeCloseTo(4, 5);
  });

  it('never sizes an array by a stray label (1e9): an error naming it, before anything is allocated (issue 11)', () => {
    const y = Int32Array.from({ length: 100 }, (_, i) => i % 10);
    y[42] = 1e9;
    expect(() => classWeight(y, 'balanced')).toThrow(/classWeight: labels\[42\] is 1000000000, which would make 1000000001 classes, but only 11 distinct/);
    expect(() => exampleWeights(y, 'balanced')).toThrow(/exampleWeights: labels\[42\] is 1000000000/);
    expect(() => classWeight(y, 'balanced', { classes: 10 })).toThrow(/labels\[42\] = 1000000000 is out of range for 10 classes/);
    expect(() => dataset({ x: new Float32Array(100), y, features: 1 } as never)).toThrow(/the label at row 42 is 1000000000/);
    // a few absent classes are fine: labels 0 and 9 make 10 classes
    expect(classWeight([0, 9, 9], 'balanced')).toHaveLength(10);
  });

  it('gives an absent class weight 0 and counts only present classes', () => {
    expect(classWeight([0, 0, 2], 'balanced')).toEqual([0.75, 0, 1.5]);
  });

  it('converts a class-weight map (by index or class name) into per-example weights', () => {
    const d = dataset({ x: [[0], [1], [2]], y: [0, 1, 1], classNames: ['cat', 'dog'] });
    expect(Array.from(exampleWeights(d, { 1: 5 }))).toEqual([1, 5, 5]);
    expect(Array.from(exampleWeights(d, { cat: 2 }))).toEqual([2, 1, 1]);
    expect(Array.from(exampleWeights(d, [0.5, 3]))).toEqual([0.5, 3, 3]);
    expect(() => exampleWeights(d, { bird: 1 })).toThrow(/class "bird" is not one of the 2 classes/);
    expect(() => exampleWeights(d, { 0: -1 })).toThrow(/the weight of class "0" must be a finite number >= 0, got -1/);
    expect(d.withWeights(exampleWeights(d, 'balanced')).weights!.length).toBe(3);
  });
});

describe('oversample', () => {
  it('brings every class up to the largest, repeating whole classes before drawing the rest', () => {
    const y = new Int32Array([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2]);
    const d = new Dataset({ x: Float32Array.from(y, (_, i) => i), y, features: 1, source: Array.from(y, (_, i) => `s${i}`) });
    const o = oversample(d, { seed: 1 });
    expect(o.length).toBe(21);
    const c = [0, 0, 0];
    for (const v of o.y) c[v]!++;
    expect(c).toEqual([7, 7, 7]);
    // originals first, in order; rows stay whole (x, y and source agree)
    expect(Array.from(o.x.subarray(0, 12))).toEqual(Array.from(d.x));
    for (let i = 0; i < o.length; i++) {
      expect(o.y[i]).toBe(y[o.x[i]!]);
      expect((o.source as string[])[i]).toBe(`s${o.x[i]}`);
    }
    // class 2 (2 examples, target 7): two whole extra copies plus one drawn
    const extra2 = Array.from(o.x.subarray(12)).filter((v) => y[v] === 2);
    expect(extra2.filter((v) => v === 10).length + extra2.filter((v) => v === 11).length).toBe(5);
    expect(oversample(d, { seed: 1 }).x).toEqual(o.x);
  });

  it('takes a target per class and never removes examples', () => {
    const d = dataset({ x: [[0], [1], [2], [3]], y: [0, 0, 0, 1] });
    expect(oversample(d, { target: { 1: 3 } }).length).toBe(6);
    expect(oversample(d, { target: 2 }).length).toBe(5); // class 0 keeps its 3
    expect(() => oversample(d, { target: { 5: 3 } })).toThrow(/names class 5, which has no example to repeat/);
  });
});

describe('attributeWeights', () => {
  it('scales feature columns, zeroing a protected attribute', () => {
    const x = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect(Array.from(attributeWeights(x, 3, [1, 0, 0.5]))).toEqual([1, 0, 1.5, 4, 0, 3]);
    const d = dataset({
      x: [
        [1, 2],
        [3, 4],
      ],
      y: [0, 1],
      featureNames: ['income', 'gender'],
    });
    const out = attributeWeights(d, { gender: 0 });
    expect(Array.from(out.x)).toEqual([1, 0, 3, 0]);
    expect(Array.from(d.x)).toEqual([1, 2, 3, 4]); // the input is unchanged
    expect(() => attributeWeights(d, { age: 0 })).toThrow(/"age" is not a feature \(features: income, gender\)/);
    expect(() => attributeWeights(x, 3, [1, 2])).toThrow(/2 weights for 3 features/);
  });
});
