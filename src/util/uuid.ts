/**
 * Random identifiers (RFC 4122 version 4 UUIDs) for study names, journal writers and saved
 * files: the one place knobs makes them.
 * @internal
 */

interface WebCrypto {
  randomUUID?: () => string;
  getRandomValues?: (a: Uint8Array) => Uint8Array;
}

/**
 * A version 4 UUID from the platform's `crypto.randomUUID` (Node 20, browsers). Browsers offer
 * `randomUUID` only on secure pages (https, localhost); on a plain-http page the same UUID is
 * made from `crypto.getRandomValues`, which every page has.
 */
export function randomUUID(): string {
  const c = (globalThis as { crypto?: WebCrypto }).crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  if (typeof c?.getRandomValues !== 'function') throw new Error('knobs needs crypto.getRandomValues (WebCrypto) to make identifiers');
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
