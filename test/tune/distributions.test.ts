import { describe, expect, test } from 'vitest';
import { pyFloat, pyFloatRepr, parsePyJson, toPyJson } from '../../src/tune/pyjson';
import { CategoricalDistribution, FloatDistribution, IntDistribution, distributionToJson, jsonToDistribution, type Distribution } from '../../src/tune';

describe('pyjson writes what Python json.dumps writes', () => {
  // Reference strings printed by Python 3.11: json.dumps([...]) and repr(float).
  test.each([
    [1e-5, '1e-05'],
    [1, '1.0'],
    [0.1, '0.1'],
    [1e16, '1e+16'],
    [123456789012345.6, '123456789012345.6'],
    [1.5e-7, '1.5e-07'],
    [-0, '-0.0'],
    [0.0001, '0.0001'],
    [2.5e-300, '2.5e-300'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ])('float %s -> %s', (x, s) => expect(pyFloatRepr(x)).toBe(s));

  test('objects, strings, ints and marked floats', () => {
    expect(toPyJson({ a: [1, pyFloat(1), 0.5], s: 'é\u0001"x', n: null, b: true })).toBe(
      '{"a": [1, 1.0, 0.5], "s": "\\u00e9\\u0001\\"x", "n": null, "b": true}',
    );
  });

  test('parses NaN and Infinity outside strings only', () => {
    expect(parsePyJson('{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN Infinity"}')).toEqual({ a: NaN, b: [Infinity, -Infinity], c: 'NaN Infinity' });
  });
});

describe('distributions', () => {
  // Reference JSON: optuna.distributions.distribution_to_json(...) in Optuna 3.1.
  const cases: [Distribution, string][] = [
    [new FloatDistribution(1e-5, 0.1, { log: true }), '{"name": "FloatDistribution", "attributes": {"step": null, "low": 1e-05, "high": 0.1, "log": true}}'],
    [new FloatDistribution(0, 1, { step: 0.25 }), '{"name": "FloatDistribution", "attributes": {"step": 0.25, "low": 0.0, "high": 1.0, "log": false}}'],
    [new IntDistribution(32, 512, { log: true }), '{"name": "IntDistribution", "attributes": {"log": true, "step": 1, "low": 32, "high": 512}}'],
    [new IntDistribution(0, 10, { step: 3 }), '{"name": "IntDistribution", "attributes": {"log": false, "step": 3, "low": 0, "high": 9}}'],
    [new CategoricalDistribution(['relu', 1, null, true]), '{"name": "CategoricalDistribution", "attributes": {"choices": ["relu", 1, null, true]}}'],
  ];
  test.each(cases)('%o serializes as Optuna and reads back', (d, json) => {
    expect(distributionToJson(d)).toBe(json);
    expect(jsonToDistribution(json)).toEqual(d);
  });

  test('reads the abbreviated and deprecated forms Optuna reads', () => {
    expect(jsonToDistribution('{"type": "float", "low": 0, "high": 1, "log": false}')).toEqual(new FloatDistribution(0, 1));
    expect(jsonToDistribution('{"type": "int", "low": 1, "high": 9}')).toEqual(new IntDistribution(1, 9));
    expect(jsonToDistribution('{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}')).toEqual(
      new FloatDistribution(0.001, 1, { log: true }),
    );
    expect(jsonToDistribution('{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.5}}')).toEqual(
      new FloatDistribution(0, 1, { step: 0.5 }),
    );
    expect(jsonToDistribution('{"name": "IntUniformDistribution", "attributes": {"low": 0, "high": 8, "step": 2}}')).toEqual(
      new IntDistribution(0, 8, { step: 2 }),
    );
  });

  test('a step that does not divide the range lowers high, on decimal digits (as Optuna)', () => {
    expect(new FloatDistribution(0, 1, { step: 0.3 }).high).toBe(0.9);
    expect(new FloatDistribution(0.1, 0.95, { step: 0.1 }).high).toBe(0.9);
    expect(new FloatDistribution(0, 1, { step: 0.1 }).high).toBe(1);
    expect(new IntDistribution(1, 10, { step: 4 }).high).toBe(9);
  });

  test.each<[() => unknown, RegExp]>([
    [() => new FloatDistribution(1, 0, {}, 'suggestFloat'), /^suggestFloat: low must be <= high, got low=1, high=0$/],
    [() => new FloatDistribution(0, 1, { log: true }, 'suggestFloat'), /low must be > 0 with log=true, got low=0/],
    [() => new FloatDistribution(1e-3, 1, { log: true, step: 0.1 }), /step is not supported with log=true/],
    [() => new FloatDistribution(0, 1, { step: -1 }), /step must be a positive number, got -1/],
    [() => new FloatDistribution(0.9, 1, { oneMinusLog: true }), /high must be < 1 with log='oneMinus'/],
    [() => new IntDistribution(0, 10, { log: true }), /low must be >= 1 with log=true, got low=0/],
    [() => new IntDistribution(1, 10, { log: true, step: 2 }), /step must be 1 with log=true, got step=2/],
    [() => new IntDistribution(1.5, 10), /low must be an integer, got 1.5/],
    [() => new CategoricalDistribution([]), /choices must contain at least one element/],
    [() => new CategoricalDistribution([{} as never]), /choices must be null, booleans, numbers or strings/],
  ])('rejects %s', (make, message) => expect(make).toThrow(message));

  test('internal and external values', () => {
    const c = new CategoricalDistribution(['a', NaN, 3]);
    expect(c.toInternal(NaN)).toBe(1);
    expect(c.toExternal(2)).toBe(3);
    expect(() => c.toInternal('z')).toThrow(/not one of the choices/);
    const i = new IntDistribution(0, 10, { step: 2 });
    expect(i.contains(4)).toBe(true);
    expect(i.contains(5)).toBe(false);
    expect(new FloatDistribution(0, 1, { step: 0.1 }).snap(0.30000000000000004)).toBe(0.3);
    expect(new FloatDistribution(0, 1, { step: 0.1 }).contains(0.3)).toBe(true);
  });
});
