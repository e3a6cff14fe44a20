/**
 * Distributions: the space a parameter is searched in, as Optuna's `optuna.distributions`.
 *
 * - {@link FloatDistribution}: floats on a linear or log scale, optionally with a step;
 * - {@link IntDistribution}: integers on a linear or log scale, with a step;
 * - {@link CategoricalDistribution}: a list of choices.
 *
 * A parameter has an *external* value (what `suggestFloat` returns: a number, or for a
 * categorical the choice itself) and an *internal* one (a number: the value, or the index of
 * the choice), which is what storages keep. Distributions serialize to Optuna's JSON, so a
 * journal written by knobs names them exactly as Optuna does.
 *
 * Log scales are what the method asks for when a parameter spans orders of magnitude: a
 * learning rate between 1e-5 and 1e-1 sampled uniformly would land above 1e-2 nine times
 * out of ten. For a momentum-like beta in [0.9, 0.999] the lecture samples `1 - beta` on a log
 * scale instead: `suggestFloat('beta', 0.9, 0.999, { log: 'oneMinus' })` does that (it is
 * stored as a plain linear FloatDistribution, which Optuna can read, and the scale is a hint
 * samplers use when they search).
 * @module
 */
import { describe } from '../validate';
import { parsePyJson, pyFloat, toPyJson } from '../pyjson';

/** The value of a categorical choice. These are the types a journal can store. */
export type CategoricalChoice = null | boolean | number | string;
/** What a suggest call returns. */
export type ParamValue = number | string | boolean | null;

/** Digits after the decimal point in the shortest representation of `x`. */
function decimalPlaces(x: number): number {
  const [mantissa, exp] = x.toExponential().split('e') as [string, string];
  const frac = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, frac - Number(exp));
}

/**
 * Optuna's `_adjust_discrete_uniform_high`: when (high - low) is not a multiple of step, high
 * becomes the largest low + k * step below it. Computed on decimal digits (scaled integers),
 * as Optuna does with `decimal.Decimal(str(x))`, so that 0.1 steps behave.
 */
function adjustFloatHigh(low: number, high: number, step: number): number {
  const places = Math.min(20, Math.max(decimalPlaces(low), decimalPlaces(high), decimalPlaces(step)));
  const scale = 10 ** places;
  const toInt = (v: number) => BigInt(Math.round(v * scale));
  const l = toInt(low),
    h = toInt(high),
    s = toInt(step);
  if (s <= 0n) return high;
  const r = h - l;
  if (r % s === 0n) return high;
  return Number((r / s) * s + l) / scale;
}

function roundTo(value: number, places: number): number {
  if (places > 15) return value;
  return Number(value.toFixed(places));
}

/**
 * Floats in [low, high], on a linear or log scale, or on a grid of `step`.
 *
 * @example
 * ```ts
 * const lr = new tune.FloatDistribution(1e-5, 1e-1, { log: true });
 * lr.contains(3e-4); // true
 * ```
 */
export class FloatDistribution {
  readonly type = 'float' as const;
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step: number | null;
  /** Sample `1 - x` on a log scale (a hint for samplers; stored as a linear distribution). */
  readonly oneMinusLog: boolean;

  constructor(low: number, high: number, options: { log?: boolean; step?: number | null; oneMinusLog?: boolean } = {}, fn = 'FloatDistribution') {
    const log = options.log ?? false;
    const step = options.step ?? null;
    const oneMinusLog = options.oneMinusLog ?? false;
    if (typeof low !== 'number' || Number.isNaN(low)) throw new TypeError(`${fn}: low must be a number, got ${describe(low)}`);
    if (typeof high !== 'number' || Number.isNaN(high)) throw new TypeError(`${fn}: high must be a number, got ${describe(high)}`);
    if (!Number.isFinite(low) || !Number.isFinite(high)) throw new RangeError(`${fn}: low and high must be finite, got low=${low}, high=${high}`);
    if (low > high) throw new RangeError(`${fn}: low must be <= high, got low=${low}, high=${high}`);
    if (log && step !== null) throw new RangeError(`${fn}: step is not supported with log=true, got step=${step}`);
    if (log && low <= 0) throw new RangeError(`${fn}: low must be > 0 with log=true, got low=${low}, high=${high}`);
    if (step !== null && !(typeof step === 'number' && step > 0 && Number.isFinite(step)))
      throw new RangeError(`${fn}: step must be a positive number, got ${describe(step)}`);
    if (oneMinusLog) {
      if (log || step !== null) throw new RangeError(`${fn}: log='oneMinus' excludes step, got step=${step}`);
      if (!(high < 1)) throw new RangeError(`${fn}: high must be < 1 with log='oneMinus' (1 - x must stay > 0), got high=${high}`);
    }
    this.low = low;
    this.high = step === null ? high : adjustFloatHigh(low, high, step);
    this.log = log;
    this.step = step;
    this.oneMinusLog = oneMinusLog;
  }

  /** True when only one value is possible. */
  single(): boolean {
    if (this.step === null) return this.low === this.high;
    return this.low === this.high || this.high - this.low < this.step * (1 - 1e-12);
  }

  /** Whether an internal value lies in the distribution (and on its grid). */
  contains(internal: number): boolean {
    if (!(internal >= this.low && internal <= this.high)) return false;
    if (this.step === null) return true;
    const k = (internal - this.low) / this.step;
    return Math.abs(k - Math.round(k)) < 1e-8;
  }

  toInternal(external: unknown): number {
    if (typeof external !== 'number' || Number.isNaN(external)) throw new TypeError(`expected a number for a FloatDistribution, got ${describe(external)}`);
    if (this.log && external <= 0) throw new RangeError(`expected a value > 0 for a log FloatDistribution, got ${external}`);
    return external;
  }

  toExternal(internal: number): number {
    return internal;
  }

  /** Rounds a value on the step grid to the digits of low and step (0.30000000000000004 -> 0.3). */
  snap(value: number): number {
    if (this.step === null) return Math.min(this.high, Math.max(this.low, value));
    const k = Math.round((value - this.low) / this.step);
    const v = roundTo(this.low + k * this.step, Math.max(decimalPlaces(this.low), decimalPlaces(this.step)));
    return Math.min(this.high, Math.max(this.low, v));
  }
}

/**
 * Integers in [low, high], on a linear or log scale, with a step (1 by default).
 *
 * @example
 * ```ts
 * const units = new tune.IntDistribution(32, 512, { log: true });
 * units.contains(100); // true
 * ```
 */
export class IntDistribution {
  readonly type = 'int' as const;
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step: number;

  constructor(low: number, high: number, options: { log?: boolean; step?: number } = {}, fn = 'IntDistribution') {
    const log = options.log ?? false;
    const step = options.step ?? 1;
    if (typeof low !== 'number' || !Number.isInteger(low)) throw new TypeError(`${fn}: low must be an integer, got ${describe(low)}`);
    if (typeof high !== 'number' || !Number.isInteger(high)) throw new TypeError(`${fn}: high must be an integer, got ${describe(high)}`);
    if (low > high) throw new RangeError(`${fn}: low must be <= high, got low=${low}, high=${high}`);
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 1) throw new RangeError(`${fn}: step must be a positive integer, got ${describe(step)}`);
    if (log && step !== 1) throw new RangeError(`${fn}: step must be 1 with log=true, got step=${step}`);
    if (log && low < 1) throw new RangeError(`${fn}: low must be >= 1 with log=true, got low=${low}, high=${high}`);
    this.low = low;
    this.high = high - ((high - low) % step);
    this.log = log;
    this.step = step;
  }

  single(): boolean {
    return this.low === this.high || (!this.log && this.high - this.low < this.step);
  }

  contains(internal: number): boolean {
    return internal >= this.low && internal <= this.high && (internal - this.low) % this.step === 0;
  }

  toInternal(external: unknown): number {
    if (typeof external !== 'number' || Number.isNaN(external)) throw new TypeError(`expected an integer for an IntDistribution, got ${describe(external)}`);
    if (this.log && external <= 0) throw new RangeError(`expected a value > 0 for a log IntDistribution, got ${external}`);
    return external;
  }

  toExternal(internal: number): number {
    return Math.trunc(internal);
  }

  snap(value: number): number {
    const k = Math.round((value - this.low) / this.step);
    return Math.min(this.high, Math.max(this.low, this.low + k * this.step));
  }
}

function choiceEqual(a: CategoricalChoice, b: CategoricalChoice): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

/**
 * One of a list of choices (null, booleans, numbers or strings).
 *
 * @example
 * ```ts
 * const act = new tune.CategoricalDistribution(['relu', 'tanh']);
 * act.toInternal('tanh'); // 1
 * ```
 */
export class CategoricalDistribution {
  readonly type = 'categorical' as const;
  readonly choices: readonly CategoricalChoice[];

  constructor(choices: readonly CategoricalChoice[], fn = 'CategoricalDistribution') {
    if (!Array.isArray(choices)) throw new TypeError(`${fn}: choices must be an array, got ${describe(choices)}`);
    if (choices.length === 0) throw new RangeError(`${fn}: choices must contain at least one element, got []`);
    for (const c of choices) {
      if (c !== null && typeof c !== 'boolean' && typeof c !== 'number' && typeof c !== 'string') {
        throw new TypeError(`${fn}: choices must be null, booleans, numbers or strings, got ${describe(c)}`);
      }
    }
    this.choices = Object.freeze([...choices]);
  }

  single(): boolean {
    return this.choices.length === 1;
  }

  contains(internal: number): boolean {
    const i = Math.trunc(internal);
    return i >= 0 && i < this.choices.length;
  }

  toInternal(external: unknown): number {
    for (let i = 0; i < this.choices.length; i++) if (choiceEqual(external as CategoricalChoice, this.choices[i]!)) return i;
    throw new RangeError(`${describe(external)} is not one of the choices ${JSON.stringify(this.choices)}`);
  }

  toExternal(internal: number): CategoricalChoice {
    const i = Math.trunc(internal);
    if (!(i >= 0 && i < this.choices.length)) throw new RangeError(`choice index ${internal} is out of range for ${this.choices.length} choices`);
    return this.choices[i]!;
  }
}

/** Any distribution. */
export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

/** The value a single-valued distribution takes. */
export function singleValue(d: Distribution): ParamValue {
  return d.type === 'categorical' ? d.choices[0]! : d.low;
}

/** Whether two distributions are the same (class and every attribute). */
export function distributionsEqual(a: Distribution, b: Distribution): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'categorical') {
    const bc = (b as CategoricalDistribution).choices;
    return a.choices.length === bc.length && a.choices.every((c, i) => choiceEqual(c, bc[i]!));
  }
  const bn = b as FloatDistribution | IntDistribution;
  return a.low === bn.low && a.high === bn.high && a.log === bn.log && a.step === bn.step;
}

/**
 * Optuna's `check_distribution_compatibility`: a parameter keeps its kind and its log flag
 * across trials (its range may change), and a categorical keeps its choices.
 * Throws a RangeError that names the parameter otherwise.
 */
export function checkDistributionCompatibility(name: string, previous: Distribution, next: Distribution): void {
  if (previous.type !== next.type) {
    throw new RangeError(`parameter ${JSON.stringify(name)} was a ${previous.type} distribution in an earlier trial, got a ${next.type} one`);
  }
  if (previous.type !== 'categorical' && previous.log !== (next as FloatDistribution | IntDistribution).log) {
    throw new RangeError(`parameter ${JSON.stringify(name)} had log=${previous.log} in an earlier trial, got log=${(next as FloatDistribution).log}`);
  }
  if (previous.type === 'categorical' && !distributionsEqual(previous, next)) {
    throw new RangeError(
      `parameter ${JSON.stringify(name)} had choices ${JSON.stringify(previous.choices)} in an earlier trial, got ${JSON.stringify((next as CategoricalDistribution).choices)} (categorical choices cannot change)`,
    );
  }
}

/**
 * Optuna's `distribution_to_json`: `{"name": "FloatDistribution", "attributes": {...}}`
 * with the attributes in the order Python keeps them.
 *
 * @example
 * ```ts
 * tune.distributionToJson(new tune.IntDistribution(32, 512, { log: true }));
 * // '{"name": "IntDistribution", "attributes": {"log": true, "step": 1, "low": 32, "high": 512}}'
 * ```
 */
export function distributionToJson(d: Distribution): string {
  switch (d.type) {
    case 'float':
      return toPyJson({ name: 'FloatDistribution', attributes: { step: pyFloat(d.step), low: pyFloat(d.low), high: pyFloat(d.high), log: d.log } });
    case 'int':
      return toPyJson({ name: 'IntDistribution', attributes: { log: d.log, step: d.step, low: d.low, high: d.high } });
    case 'categorical':
      return toPyJson({ name: 'CategoricalDistribution', attributes: { choices: d.choices } });
  }
}

/**
 * Optuna's `json_to_distribution`, including the abbreviated `{"type": ...}` form and the
 * deprecated classes Optuna still reads (UniformDistribution, LogUniformDistribution,
 * DiscreteUniformDistribution, IntUniformDistribution, IntLogUniformDistribution).
 *
 * @example
 * ```ts
 * tune.jsonToDistribution('{"type": "float", "low": 0.0001, "high": 0.1, "log": true}');
 * // FloatDistribution { low: 0.0001, high: 0.1, log: true, step: null }
 * ```
 */
export function jsonToDistribution(json: string | Record<string, unknown>): Distribution {
  const d = (typeof json === 'string' ? parsePyJson(json) : json) as Record<string, unknown>;
  if (typeof d.name === 'string') {
    const a = (d.attributes ?? {}) as Record<string, unknown>;
    const num = (k: string) => a[k] as number;
    switch (d.name) {
      case 'FloatDistribution':
        return new FloatDistribution(num('low'), num('high'), { log: Boolean(a.log), step: (a.step as number | null | undefined) ?? null });
      case 'UniformDistribution':
        return new FloatDistribution(num('low'), num('high'));
      case 'LogUniformDistribution':
        return new FloatDistribution(num('low'), num('high'), { log: true });
      case 'DiscreteUniformDistribution':
        return new FloatDistribution(num('low'), num('high'), { step: num('q') });
      case 'IntDistribution':
        return new IntDistribution(num('low'), num('high'), { log: Boolean(a.log), step: (a.step as number | undefined) ?? 1 });
      case 'IntUniformDistribution':
        return new IntDistribution(num('low'), num('high'), { step: (a.step as number | undefined) ?? 1 });
      case 'IntLogUniformDistribution':
        return new IntDistribution(num('low'), num('high'), { log: true });
      case 'CategoricalDistribution':
        return new CategoricalDistribution(a.choices as CategoricalChoice[]);
      default:
        throw new RangeError(`jsonToDistribution: unknown distribution class ${JSON.stringify(d.name)}`);
    }
  }
  if (d.type === 'categorical') return new CategoricalDistribution(d.choices as CategoricalChoice[]);
  if (d.type === 'float')
    return new FloatDistribution(d.low as number, d.high as number, { log: Boolean(d.log), step: (d.step as number | null | undefined) ?? null });
  if (d.type === 'int')
    return new IntDistribution(d.low as number, d.high as number, { log: Boolean(d.log), step: (d.step as number | null | undefined) ?? 1 });
  throw new RangeError(`jsonToDistribution: unknown distribution ${describe(json)}`);
}
