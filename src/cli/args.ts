/**
 * Argument parsing for the `knobs` command line, on Node's own `util.parseArgs` (no dependency:
 * it handles `--flag value`, `--flag=value`, short flags and `--` the way POSIX tools do), with
 * what it leaves to us: help text, "did you mean" for unknown flags, negative numbers as values
 * (`--epochs -1` must reach the validation that explains it, not parseArgs' "ambiguous" error),
 * and typed, range-checked values whose messages name the flag and the value.
 * @module
 */
import { parseArgs } from 'node:util';

/**
 * A mistake on the command line (unknown flag, bad value, missing argument): exit code 2, as
 * POSIX tools and Python's argparse use for usage errors.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure of the work itself (a file that is not a model, a missing column, a port in use): exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** One flag of a command. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's placeholder in the help, e.g. 'N' or 'FILE'. */
  value?: string;
  help: string;
  /** May be given several times (values collected in order). */
  multiple?: boolean;
}

/** One positional argument of a command. */
export interface PositionalSpec {
  name: string;
  help: string;
  optional?: boolean;
}

/** A command: its help and its flags. */
export interface CommandSpec {
  name: string;
  summary: string;
  positionals: PositionalSpec[];
  flags: Record<string, FlagSpec>;
  /** Lines after the flags: examples, notes. */
  epilog?: string[];
}

/** Flags every command takes. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  help: { type: 'boolean', short: 'h', help: 'show this help and exit' },
  verbose: { type: 'boolean', help: 'print stack traces of errors, and more detail' },
};

/** Parsed arguments: positionals by name, flag values as given (strings or booleans). */
export interface Parsed {
  positionals: Record<string, string | undefined>;
  extra: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest name within a small distance (a third of the word, at least 2), or undefined. */
export function closest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const n of names) {
    const d = n.startsWith(word) || word.startsWith(n) ? Math.min(1, editDistance(word, n)) : editDistance(word, n);
    if (d < bestD) [best, bestD] = [n, d];
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Parses `argv` (the words after the command name) against a command's spec. */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): Parsed {
  const flags = { ...COMMON_FLAGS, ...spec.flags };
  const names = Object.keys(flags);
  const shorts = new Map(Object.entries(flags).flatMap(([n, f]) => (f.short ? [[f.short, n] as const] : [])));
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('--')) {
      const name = a.slice(2).split('=')[0]!;
      const f = flags[name];
      if (!f) {
        const hint = closest(name, names);
        throw new UsageError(`unknown flag --${name} for \`knobs ${spec.name}\`${hint ? ` (did you mean --${hint}?)` : ''}; see \`knobs ${spec.name} --help\``);
      }
      // a negative number after a flag that takes a value is its value: let validation say what is wrong with it
      const next = argv[i + 1];
      if (f.type === 'string' && !a.includes('=') && next !== undefined && /^-\d|^-\.\d|^-Infinity$/.test(next)) {
        args.push(`${a}=${next}`);
        i++;
        continue;
      }
    } else if (/^-[a-zA-Z]/.test(a) && !shorts.has(a[1]!)) {
      throw new UsageError(`unknown flag ${a} for \`knobs ${spec.name}\`; see \`knobs ${spec.name} --help\``);
    }
    args.push(a);
  }
  let r;
  try {
    r = parseArgs({
      args,
      options: Object.fromEntries(
        Object.entries(flags).map(([n, f]) => [n, { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) }]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const err = e as { code?: string; message: string };
    const m = /'(--?[\w-]+)/.exec(err.message);
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && m) {
      const f = flags[m[1]!.replace(/^--?/, '')] ?? flags[shorts.get(m[1]!.replace(/^-/, '')) ?? ''];
      if (f?.type === 'boolean') throw new UsageError(`flag ${m[1]} takes no value`);
      throw new UsageError(`flag ${m[1]} needs a value${f?.value ? ` (${f.value})` : ''}`);
    }
    throw new UsageError(err.message.split('\n')[0]!);
  }
  const positionals: Record<string, string | undefined> = {};
  const words = r.positionals;
  spec.positionals.forEach((p, i) => (positionals[p.name] = words[i]));
  return { positionals, extra: words.slice(spec.positionals.length), flags: r.values as Parsed['flags'] };
}

/** Checks that the required positionals are there and that no extra word was given. */
export function requirePositionals(spec: CommandSpec, p: Parsed): void {
  for (const pos of spec.positionals)
    if (!pos.optional && p.positionals[pos.name] === undefined)
      throw new UsageError(`\`knobs ${spec.name}\` needs ${pos.name} (${pos.help}); see \`knobs ${spec.name} --help\``);
  if (p.extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(p.extra[0])} for \`knobs ${spec.name}\`; see \`knobs ${spec.name} --help\``);
}

/** The help text of a command. */
export function helpText(spec: CommandSpec): string {
  const usage = [`knobs ${spec.name}`, ...spec.positionals.map((p) => (p.optional ? `[${p.name}]` : p.name)), '[flags]'].join(' ');
  const lines = [`usage: ${usage}`, '', spec.summary, ''];
  if (spec.positionals.length) {
    lines.push('arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(30)} ${p.help}`);
    lines.push('');
  }
  lines.push('flags:');
  for (const [n, f] of Object.entries({ ...spec.flags, ...COMMON_FLAGS })) {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${n}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
    lines.push(`  ${left.padEnd(30)} ${f.help}`);
  }
  if (spec.epilog?.length) lines.push('', ...spec.epilog);
  lines.push('', 'exit codes: 0 success, 1 the work failed (bad data, missing file, port in use), 2 a usage mistake.');
  return lines.join('\n') + '\n';
}

/** A flag's string value, or undefined. */
export function str(p: Parsed, name: string): string | undefined {
  const v = p.flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** A flag's integer value in [min, max], or the default. */
export function int(p: Parsed, name: string, def: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const v = str(p, name);
  if (v === undefined) return def;
  const n = Number(v);
  if (!/^[+-]?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    const what = min === 1 && max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : min === 0 ? 'an integer >= 0' : `an integer in [${min}, ${max}]`;
    throw new UsageError(`--${name} must be ${what}, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** A flag's number value, positive (or in a given open/closed range), or the default. */
export function num(
  p: Parsed,
  name: string,
  def: number | undefined,
  check: (n: number) => boolean = (n) => n > 0,
  what = 'a positive number',
): number | undefined {
  const v = str(p, name);
  if (v === undefined) return def;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${what}, got ${JSON.stringify(v)}`);
  return n;
}

/** A flag's value out of a fixed list, or the default. */
export function choice<T extends string>(p: Parsed, name: string, options: readonly T[], def: T): T {
  const v = str(p, name);
  if (v === undefined) return def;
  if (!(options as readonly string[]).includes(v)) {
    const hint = closest(v, options);
    throw new UsageError(`--${name} must be one of ${options.join(', ')}, got ${JSON.stringify(v)}${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
  return v as T;
}

/** A flag's boolean value. */
export function bool(p: Parsed, name: string): boolean {
  return p.flags[name] === true;
}
