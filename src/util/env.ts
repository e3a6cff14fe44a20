/**
 * Reading an environment variable from any runtime.
 * @internal
 * @module
 */

/**
 * The value of environment variable `name`, or undefined where there is none to read: no
 * `process` (browsers, edge runtimes), or a runtime that refuses the read (Deno without
 * `--allow-env` throws rather than returning undefined).
 */
export function envVar(name: string): string | undefined {
  try {
    return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  } catch {
    return undefined;
  }
}
