/**
 * Choosing a model with one optimizing metric and satisficing constraints (the lecture's
 * "the highest accuracy, if the classification time is lower than 100 ms").
 * @module
 */
import { describe } from '../errors';
import { tied } from './validate';

/** A candidate model: a name and its measured metrics (plus anything else the caller keeps). */
export interface Candidate {
  name: string;
  metrics: Record<string, number>;
}

/** A satisficing constraint on one metric: inclusive bounds. */
export interface Constraint {
  min?: number;
  max?: number;
}

/** Options of {@link selectModel}. */
export interface SelectModelOptions {
  /** The metric to optimize, e.g. 'accuracy'. */
  optimize: string;
  /**
   * Default: 'minimize' for names that read as costs (ending in Error, Loss, Ms, Bytes,
   * Time, Latency, Size), else 'maximize'.
   */
  direction?: 'maximize' | 'minimize';
  /** Metrics that must only be good enough, e.g. `{ latencyMs: { max: 100 } }`. */
  constraints?: Record<string, Constraint>;
}

/** Why a candidate was rejected. */
export interface Rejection<C extends Candidate> {
  candidate: C;
  reasons: string[];
}

/** The outcome of {@link selectModel}. */
export interface Selection<C extends Candidate> {
  /** The best candidate that satisfies every constraint, or null when none does. */
  best: C | null;
  /** The candidates satisfying every constraint, best first; ties share a rank and keep the input order. */
  ranking: { candidate: C; value: number; rank: number }[];
  rejected: Rejection<C>[];
  direction: 'maximize' | 'minimize';
  /** A few lines explaining the choice, the ranking and each rejection. */
  explanation: string;
}

const COST = /(error|loss|ms|bytes|time|latency|size)$/i;

/**
 * Returns the best candidate on `optimize` among those satisfying every constraint, and
 * explains the choice: the ranking of the candidates that qualify, and each rejected
 * candidate with the constraint it breaks. Values are compared unrounded.
 *
 * @example
 * ```ts
 * const { best, explanation } = selectModel([
 *   { name: 'A', metrics: { accuracy: 0.945, latencyMs: 70 } },
 *   { name: 'B', metrics: { accuracy: 0.950, latencyMs: 95 } },
 *   { name: 'D', metrics: { accuracy: 0.955, latencyMs: 240 } },
 * ], { optimize: 'accuracy', constraints: { latencyMs: { max: 100 } } });
 * best?.name; // 'B': D is more accurate but answers in 240 ms > 100
 * ```
 */
export function selectModel<C extends Candidate>(candidates: C[], options: SelectModelOptions): Selection<C> {
  const fn = 'selectModel';
  if (!Array.isArray(candidates)) throw new TypeError(`${fn}: candidates must be an array of { name, metrics }, got ${describe(candidates)}`);
  if (options === null || typeof options !== 'object' || typeof options.optimize !== 'string') {
    throw new TypeError(`${fn}: options.optimize must name a metric, got ${describe(options?.optimize)}`);
  }
  const { optimize } = options;
  const direction = options.direction ?? (COST.test(optimize) ? 'minimize' : 'maximize');
  if (direction !== 'maximize' && direction !== 'minimize')
    throw new RangeError(`${fn}: options.direction must be 'maximize' or 'minimize', got ${describe(direction)}`);
  const constraints = Object.entries(options.constraints ?? {});
  for (const [metric, c] of constraints) {
    if (c === null || typeof c !== 'object') throw new TypeError(`${fn}: options.constraints.${metric} must be { min?, max? }, got ${describe(c)}`);
    for (const bound of ['min', 'max'] as const) {
      const v = c[bound];
      if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v)))
        throw new TypeError(`${fn}: options.constraints.${metric}.${bound} must be a number, got ${describe(v)}`);
    }
  }
  const passing: { candidate: C; value: number; order: number }[] = [];
  const rejected: Rejection<C>[] = [];
  candidates.forEach((candidate, order) => {
    if (
      candidate === null ||
      typeof candidate !== 'object' ||
      typeof candidate.name !== 'string' ||
      candidate.metrics === null ||
      typeof candidate.metrics !== 'object'
    ) {
      throw new TypeError(`${fn}: candidates[${order}] must be { name: string, metrics: { ... } }, got ${describe(candidate)}`);
    }
    const reasons: string[] = [];
    const value = candidate.metrics[optimize];
    if (typeof value !== 'number' || Number.isNaN(value)) reasons.push(`has no ${optimize} (the optimized metric)`);
    for (const [metric, c] of constraints) {
      const v = candidate.metrics[metric];
      if (typeof v !== 'number' || Number.isNaN(v)) reasons.push(`has no ${metric}`);
      else if (c.max !== undefined && v > c.max) reasons.push(`${metric} ${v} > max ${c.max}`);
      else if (c.min !== undefined && v < c.min) reasons.push(`${metric} ${v} < min ${c.min}`);
    }
    if (reasons.length) rejected.push({ candidate, reasons });
    else passing.push({ candidate, value: value as number, order });
  });
  const sign = direction === 'maximize' ? -1 : 1;
  passing.sort((a, b) => sign * (a.value - b.value));
  // ties (equal up to rounding noise) share a rank and keep the input order
  const ranking: Selection<C>['ranking'] = [];
  for (let i = 0; i < passing.length;) {
    let j = i + 1;
    while (j < passing.length && tied(passing[j]!.value, passing[i]!.value)) j++;
    for (const p of passing.slice(i, j).sort((a, b) => a.order - b.order)) ranking.push({ candidate: p.candidate, value: p.value, rank: i + 1 });
    i = j;
  }
  const best = ranking[0]?.candidate ?? null;

  const bounds = constraints
    .map(([m, c]) => [c.min !== undefined ? `${m} >= ${c.min}` : '', c.max !== undefined ? `${m} <= ${c.max}` : ''].filter(Boolean).join(' and '))
    .filter(Boolean);
  const lines = [`Optimizing ${optimize} (${direction})${bounds.length ? ` subject to ${bounds.join(', ')}` : ''}.`];
  if (best) {
    const ties = ranking.filter((r) => r.rank === 1 && r.candidate !== best).map((r) => r.candidate.name);
    lines.push(`Chosen: ${best.name} (${optimize} ${ranking[0]!.value})${ties.length ? `, tied with ${ties.join(', ')} (first listed wins)` : ''}.`);
    lines.push(`Satisfying every constraint: ${ranking.map((r) => `${r.rank}. ${r.candidate.name} (${r.value})`).join(', ')}.`);
  } else {
    lines.push('No candidate satisfies every constraint.');
  }
  for (const r of rejected) lines.push(`Rejected ${r.candidate.name}: ${r.reasons.join('; ')}.`);
  return { best, ranking, rejected, direction, explanation: lines.join('\n') };
}
