/**
 * JSON as Python's `json.dumps` writes it, and a parser that reads what Python writes.
 *
 * Optuna's journal is Python `json.dumps` output, one record a line, and distributions are
 * stored as `json.dumps` strings inside those records. Writing the same bytes Python would
 * (", " and ": " separators, ASCII-only strings, `1e-05`, floats with a `.0`) keeps a knobs
 * journal indistinguishable from an Optuna one, and numbers that are floats in Python stay
 * floats there ({@link pyFloat} marks them, since JavaScript has one number type). Python
 * also writes the non-standard tokens `NaN`, `Infinity` and `-Infinity`, which `JSON.parse`
 * rejects; {@link parsePyJson} accepts them.
 * @internal
 */

/** A number that Python must see as a float (written `1.0`, not `1`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Marks `x` to be written as a Python float; `null`/`undefined` pass through. */
export function pyFloat(x: number): PyFloat;
export function pyFloat(x: number | null | undefined): PyFloat | null;
export function pyFloat(x: number | null | undefined): PyFloat | null {
  return x === null || x === undefined ? null : new PyFloat(x);
}

/** Python's `repr(float)`: shortest round-trip digits, exponent outside [1e-4, 1e16). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = String(Math.abs(exp)).padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp >= 0) {
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac || '0'}`;
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

function numberRepr(x: number): string {
  if (!Number.isFinite(x)) return pyFloatRepr(x);
  if (Number.isInteger(x) && !Object.is(x, -0)) return Math.abs(x) < 1e21 ? String(x) : BigInt(x).toString();
  return pyFloatRepr(x);
}

function stringRepr(s: string): string {
  // JSON.stringify escapes quotes, backslashes and control characters as Python does
  // (lowercase \u00xx); Python's ensure_ascii also escapes every non-ASCII UTF-16 unit.
  return JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `json.dumps(value)` as Python writes it. */
export function toPyJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return numberRepr(value);
    case 'string':
      return stringRepr(value);
    case 'bigint':
      return value.toString();
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(toPyJson).join(', ')}]`;
      const parts: string[] = [];
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined || typeof v === 'function') continue;
        parts.push(`${stringRepr(k)}: ${toPyJson(v)}`);
      }
      return `{${parts.join(', ')}}`;
    }
    default:
      throw new TypeError(`toPyJson: cannot write a value of type ${typeof value}`);
  }
}

const NAN = '\u0000knobs:NaN',
  INF = '\u0000knobs:Infinity',
  NINF = '\u0000knobs:-Infinity';

/** `JSON.parse` that also accepts Python's `NaN`, `Infinity` and `-Infinity`. */
export function parsePyJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!/NaN|Infinity/.test(text)) throw error;
  }
  // Replace the bare tokens outside strings by sentinel strings, then revive them.
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
    } else if (text.startsWith('NaN', i)) {
      out += JSON.stringify(NAN);
      i += 2;
    } else if (text.startsWith('-Infinity', i)) {
      out += JSON.stringify(NINF);
      i += 8;
    } else if (text.startsWith('Infinity', i)) {
      out += JSON.stringify(INF);
      i += 7;
    } else {
      out += c;
    }
  }
  return JSON.parse(out, (_key, v) => (v === NAN ? NaN : v === INF ? Infinity : v === NINF ? -Infinity : v));
}
