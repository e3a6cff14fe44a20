/**
 * Name tables for everything a user names by string (losses, activations, optimizers, metrics,
 * initializers, layer classes): case-insensitive, snake_case-tolerant, and never read through
 * the object prototype, so `'constructor'`, `'toString'` or `'__proto__'` are unknown names, not
 * functions of Object.prototype.
 * @internal
 */

/**
 * The lookup key of a name: lower case, without underscores, so that Keras' snake_case and any
 * capitalization match the camelCase name (`'categorical_crossentropy'`, `'CategoricalCrossentropy'`
 * and `'categoricalCrossentropy'` all give `'categoricalcrossentropy'`).
 */
export function nameKey(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

/** A table from names (and aliases) to values, looked up by {@link nameKey} in a Map. */
export class NameTable<T> {
  private readonly byKey = new Map<string, { name: string; value: T }>();
  /** The canonical names, in the order given (for error messages). */
  readonly names: readonly string[];

  /**
   * @param entries canonical name and value pairs
   * @param aliases extra names (e.g. `mse`, `silu`) mapped to a canonical name
   */
  constructor(entries: readonly (readonly [string, T])[], aliases: Readonly<Record<string, string>> = {}) {
    for (const [name, value] of entries) this.add(name, name, value);
    for (const [alias, target] of Object.entries(aliases)) {
      const hit = this.byKey.get(nameKey(target));
      if (!hit) throw new Error(`NameTable: alias ${alias} points to unknown name ${target}`);
      this.add(alias, hit.name, hit.value);
    }
    this.names = entries.map(([n]) => n);
  }

  private add(key: string, name: string, value: T): void {
    const k = nameKey(key);
    const prev = this.byKey.get(k);
    if (prev && prev.name !== name) throw new Error(`NameTable: ${key} and ${prev.name} collide`);
    this.byKey.set(k, { name, value });
  }

  /** The canonical name and value for a user's name, or undefined (also for non-strings). */
  get(name: unknown): { name: string; value: T } | undefined {
    return typeof name === 'string' ? this.byKey.get(nameKey(name)) : undefined;
  }
}
