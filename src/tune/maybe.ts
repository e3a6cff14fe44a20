/**
 * Values that are there now or later. Storages backed by a file answer synchronously (so
 * `createStudy` can return a ready study); storages backed by IndexedDB or a network answer
 * with promises. Code that must work with both chains through {@link andThen}, which stays
 * synchronous when it can. (It is not named `then`: a module that exports `then` is a
 * thenable, and `await import()` of it would call it.)
 * @internal
 */
export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** `f(value)`, now when `value` is there, else when it arrives. */
export function andThen<T, U>(value: MaybePromise<T>, f: (v: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(value) ? value.then(f) : f(value);
}
