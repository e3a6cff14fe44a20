/**
 * The URL schemes models are saved to and loaded from (`file://` in Node, `indexeddb://` in
 * browsers), registered by the platform modules. A file of its own, without io.ts' imports, so
 * that a platform's registration costs an app that never saves or loads a model nothing but
 * this map (io.ts, which rebuilds every layer class from a save, loads with the first save or
 * load; issue 15).
 * @internal
 * @module
 */
import { describe } from '../errors';
import type { IOHandler } from './io';

const schemes = new Map<string, (path: string, url: string) => IOHandler>();

/** Registers the handler of a URL scheme (`file`, `indexeddb`, ...). */
export function registerIOScheme(scheme: string, make: (path: string, url: string) => IOHandler): void {
  schemes.set(scheme, make);
}

/** The handler of `url`'s scheme; a clear error for a URL without a scheme or with an unknown one. */
export function handlerFor(url: string): IOHandler {
  if (typeof url !== 'string') throw new TypeError(`expected a URL such as 'file://./runs/model' or 'indexeddb://my-model', got ${describe(url)}`);
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url);
  if (!m) throw new RangeError(`${JSON.stringify(url)} has no scheme; use 'file://path' (Node) or 'indexeddb://name' (browsers)`);
  const make = schemes.get(m[1]!.toLowerCase());
  if (!make) {
    throw new RangeError(
      `no handler for ${m[1]}:// here (known: ${[...schemes.keys()].map((s) => s + '://').join(', ') || 'none'}); file:// works in Node, indexeddb:// in browsers`,
    );
  }
  return make(m[2]!, url);
}
