/**
 * Weight initializers, seeded, with Keras' definitions:
 *
 * | name | distribution |
 * |---|---|
 * | `glorotUniform` (Xavier) | U(-l, l), l = sqrt(6 / (fanIn + fanOut)) |
 * | `glorotNormal` | truncated normal, sd = sqrt(2 / (fanIn + fanOut)) / 0.8796 |
 * | `heUniform` | U(-l, l), l = sqrt(6 / fanIn) |
 * | `heNormal` (He) | truncated normal, sd = sqrt(2 / fanIn) / 0.8796 |
 * | `lecunNormal` | truncated normal, sd = sqrt(1 / fanIn) / 0.8796 |
 * | `zeros`, `ones` | constants |
 * | `randomUniform({minval, maxval})` | U(minval, maxval), default ±0.05 |
 * | `randomNormal({mean, stddev})` | N(mean, stddev), default N(0, 0.05) |
 *
 * Truncated normals are cut at two standard deviations; 0.8796 (0.87962566103423978) is the
 * standard deviation of a unit normal truncated there, so the result has the intended variance.
 * @module
 */
import { describe } from './errors';
import { Random } from './util/random';
import { checkKnownOptions, finiteNumber } from './util/options';
import { NameTable } from './util/names';

/** An initializer: fills `out` given the weight's fan-in and fan-out and a seed. */
export interface Initializer {
  readonly name: string;
  readonly config: Record<string, number>;
  fill(out: Float32Array, fanIn: number, fanOut: number, seed: number): void;
}

const TRUNC_SD = 0.87962566103423978;

function uniform(name: string, limit: (fanIn: number, fanOut: number) => number): Initializer {
  return {
    name,
    config: {},
    fill(out, fanIn, fanOut, seed) {
      const r = new Random(seed),
        l = limit(fanIn, fanOut);
      for (let i = 0; i < out.length; i++) out[i] = r.uniform(-l, l);
    },
  };
}

function truncated(name: string, sd: (fanIn: number, fanOut: number) => number): Initializer {
  return {
    name,
    config: {},
    fill(out, fanIn, fanOut, seed) {
      const r = new Random(seed),
        s = sd(fanIn, fanOut) / TRUNC_SD;
      for (let i = 0; i < out.length; i++) out[i] = s * r.truncatedNormal();
    },
  };
}

/** The built-in initializers, by name. */
export const initializers = {
  glorotUniform: (): Initializer => uniform('glorotUniform', (i, o) => Math.sqrt(6 / (i + o))),
  glorotNormal: (): Initializer => truncated('glorotNormal', (i, o) => Math.sqrt(2 / (i + o))),
  heUniform: (): Initializer => uniform('heUniform', (i) => Math.sqrt(6 / i)),
  heNormal: (): Initializer => truncated('heNormal', (i) => Math.sqrt(2 / i)),
  lecunNormal: (): Initializer => truncated('lecunNormal', (i) => Math.sqrt(1 / i)),
  zeros: (): Initializer => ({ name: 'zeros', config: {}, fill: (out) => void out.fill(0) }),
  ones: (): Initializer => ({ name: 'ones', config: {}, fill: (out) => void out.fill(1) }),
  randomUniform: (options: { minval?: number; maxval?: number } = {}): Initializer => {
    checkKnownOptions('initializers.randomUniform', options, ['minval', 'maxval']);
    const lo = finiteNumber('initializers.randomUniform', 'minval', options.minval ?? -0.05);
    const hi = finiteNumber('initializers.randomUniform', 'maxval', options.maxval ?? 0.05);
    return {
      name: 'randomUniform',
      config: { minval: lo, maxval: hi },
      fill(out, _i, _o, seed) {
        const r = new Random(seed);
        for (let i = 0; i < out.length; i++) out[i] = r.uniform(lo, hi);
      },
    };
  },
  randomNormal: (options: { mean?: number; stddev?: number } = {}): Initializer => {
    checkKnownOptions('initializers.randomNormal', options, ['mean', 'stddev']);
    const mean = finiteNumber('initializers.randomNormal', 'mean', options.mean ?? 0);
    const sd = finiteNumber('initializers.randomNormal', 'stddev', options.stddev ?? 0.05);
    return {
      name: 'randomNormal',
      config: { mean, stddev: sd },
      fill(out, _i, _o, seed) {
        const r = new Random(seed);
        for (let i = 0; i < out.length; i++) out[i] = mean + sd * r.normal();
      },
    };
  },
};

/** Names accepted wherever an initializer is expected. */
export type InitializerName = keyof typeof initializers;

/** Initializers by name, in any capitalization and snake_case (`'HeNormal'`, `'he_normal'`), never through the prototype. */
const BY_NAME = new NameTable<(o?: object) => Initializer>(Object.entries(initializers) as [string, (o?: object) => Initializer][]);

/** Resolves a name, a `{name, config}` record (as saved in model.json) or an initializer. */
export function getInitializer(where: string, value: InitializerName | Initializer | { name: string; config?: Record<string, number> }): Initializer {
  if (typeof value === 'string') {
    const hit = BY_NAME.get(value);
    if (!hit) throw new RangeError(`${where}: unknown initializer ${JSON.stringify(value)}; expected one of ${BY_NAME.names.join(', ')}`);
    return hit.value();
  }
  if (value && typeof value === 'object' && typeof (value as Initializer).fill === 'function') return value as Initializer;
  if (value && typeof value === 'object' && typeof value.name === 'string') {
    const hit = BY_NAME.get(value.name);
    if (!hit) throw new RangeError(`${where}: unknown initializer ${JSON.stringify(value.name)}; expected one of ${BY_NAME.names.join(', ')}`);
    return hit.value(value.config ?? {});
  }
  throw new TypeError(`${where}: expected an initializer name or object, got ${describe(value)}`);
}
