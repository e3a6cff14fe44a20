/** Decodes base64 without Node's Buffer or the DOM's atob, so every build can use it. @internal */
export function decodeBase64(text: string): Uint8Array {
  const table = new Uint8Array(128);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  let len = text.length;
  while (len > 0 && text.charCodeAt(len - 1) === 61 /* = */) len--;
  const out = new Uint8Array((len * 3) >> 2);
  let o = 0;
  for (let i = 0; i < len; i += 4) {
    const a = table[text.charCodeAt(i)]!;
    const b = i + 1 < len ? table[text.charCodeAt(i + 1)]! : 0;
    const c = i + 2 < len ? table[text.charCodeAt(i + 2)]! : 0;
    const d = i + 3 < len ? table[text.charCodeAt(i + 3)]! : 0;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
