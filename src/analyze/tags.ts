/**
 * The lecture's error-analysis table: the user tags misclassified examples with categories
 * (blurry, mislabeled, too big, ...) and the tally gives each category's share of the errors.
 * An example can carry several tags, so the shares can add up to more than 100%.
 * @module
 */
import { describe } from '../errors';

/** Tags of examples, by example index. */
export type Tags = Map<number, string[]> | Record<number, string[]>;

/** One category of the tally. */
export interface TagShare {
  tag: string;
  /** Errors carrying the tag. */
  count: number;
  /** count / errors analyzed. */
  share: number;
  /** The errors carrying the tag. */
  indices: number[];
}

/** The outcome of {@link tagTally}. */
export interface TagTally {
  /** Largest share first (ties: by first appearance). */
  tags: TagShare[];
  /** Errors analyzed (distinct indices). */
  total: number;
  /** Errors without any tag. */
  untagged: number[];
  /** The table as text: one line per tag with its count and "% of total". */
  text: string;
}

/** Reads the tags of `index`, from a Map or a plain object. */
export function tagsOf(fn: string, tags: Tags, index: number): string[] {
  const t = tags instanceof Map ? tags.get(index) : (tags as Record<number, string[]>)[index];
  if (t === undefined) return [];
  if (!Array.isArray(t) || t.some((s) => typeof s !== 'string'))
    throw new TypeError(`${fn}: the tags of example ${index} must be an array of strings, got ${describe(t)}`);
  return t;
}

/**
 * Tallies the tags of the misclassified examples `errorsIdx`: each category's count and share
 * of the errors (the lecture's "% of total" row). Tags of other examples are ignored.
 *
 * @example
 * ```ts
 * const t = tagTally([3, 8, 12, 20], { 3: ['blurry', 'mislabeled'], 8: ['blurry'], 20: ['cars'] });
 * t.tags.map((x) => [x.tag, x.share]); // [['blurry', 0.5], ['mislabeled', 0.25], ['cars', 0.25]]
 * t.untagged;                          // [12]
 * ```
 */
export function tagTally(errorsIdx: ArrayLike<number>, tags: Tags): TagTally {
  const fn = 'tagTally';
  if (errorsIdx === null || typeof errorsIdx !== 'object' || typeof errorsIdx.length !== 'number') {
    throw new TypeError(`${fn}: errorsIdx must be an array of example indices, got ${describe(errorsIdx)}`);
  }
  if (tags === null || typeof tags !== 'object')
    throw new TypeError(`${fn}: tags must be a Map or an object from example index to tags, got ${describe(tags)}`);
  const seen = new Set<number>();
  const byTag = new Map<string, number[]>();
  const untagged: number[] = [];
  for (let i = 0; i < errorsIdx.length; i++) {
    const idx = errorsIdx[i];
    if (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 0)
      throw new RangeError(`${fn}: errorsIdx[${i}] must be an example index, got ${describe(idx)}`);
    if (seen.has(idx)) continue;
    seen.add(idx);
    const t = [...new Set(tagsOf(fn, tags, idx))];
    if (t.length === 0) untagged.push(idx);
    for (const tag of t) {
      const list = byTag.get(tag) ?? [];
      list.push(idx);
      byTag.set(tag, list);
    }
  }
  const total = seen.size;
  const rows = [...byTag].map(([tag, indices]) => ({ tag, count: indices.length, share: total ? indices.length / total : 0, indices }));
  rows.sort((a, b) => b.count - a.count); // stable: ties keep first appearance
  const width = Math.max(3, ...rows.map((r) => r.tag.length), 'untagged'.length);
  const line = (tag: string, count: number): string =>
    `${tag.padEnd(width)}  ${String(count).padStart(6)}  ${`${(total ? (100 * count) / total : 0).toFixed(1)}%`.padStart(10)}`;
  const text = [
    `${'tag'.padEnd(width)}  ${'errors'.padStart(6)}  ${'% of total'.padStart(10)}`,
    ...rows.map((r) => line(r.tag, r.count)),
    ...(untagged.length ? [line('untagged', untagged.length)] : []),
  ].join('\n');
  return { tags: rows, total, untagged, text };
}
