/**
 * A 3 x 5 pixel bitmap font for the labels under gallery tiles: digits, '>', '-', '?' and
 * space. Each glyph is five rows of three bits, the high bit on the left.
 * @module
 */

/**
 * Glyph rows, top to bottom; bit 2 is the left column.
 *
 * @example
 * ```ts
 * GLYPHS['7']; // [0b111, 0b001, 0b001, 0b010, 0b010]
 * ```
 */
export const GLYPHS: Readonly<Record<string, readonly number[]>> = {
  '0': [0b111, 0b101, 0b101, 0b101, 0b111],
  '1': [0b010, 0b110, 0b010, 0b010, 0b111],
  '2': [0b111, 0b001, 0b111, 0b100, 0b111],
  '3': [0b111, 0b001, 0b111, 0b001, 0b111],
  '4': [0b101, 0b101, 0b111, 0b001, 0b001],
  '5': [0b111, 0b100, 0b111, 0b001, 0b111],
  '6': [0b111, 0b100, 0b111, 0b101, 0b111],
  '7': [0b111, 0b001, 0b001, 0b010, 0b010],
  '8': [0b111, 0b101, 0b111, 0b101, 0b111],
  '9': [0b111, 0b101, 0b111, 0b001, 0b111],
  '>': [0b100, 0b010, 0b001, 0b010, 0b100],
  '-': [0b000, 0b000, 0b111, 0b000, 0b000],
  '?': [0b111, 0b001, 0b011, 0b000, 0b010],
  ' ': [0b000, 0b000, 0b000, 0b000, 0b000],
};

/** Glyph size and spacing, in pixels. */
export const GLYPH_WIDTH = 3,
  GLYPH_HEIGHT = 5,
  GLYPH_SPACING = 1;

/**
 * Width in pixels of `text` (glyphs separated by one blank column).
 *
 * @example
 * ```ts
 * textWidth('7>1'); // 11
 * ```
 */
export function textWidth(text: string): number {
  return text.length === 0 ? 0 : text.length * (GLYPH_WIDTH + GLYPH_SPACING) - GLYPH_SPACING;
}

/**
 * Draws `text` into a mask: `textWidth(text) x 5` bytes, 1 where a pixel is lit. Characters
 * without a glyph are drawn as '?'.
 *
 * @example
 * ```ts
 * drawText('7>1').mask; // 11 x 5 bytes: a 7, an arrow and a 1
 * ```
 */
export function drawText(text: string): { width: number; height: number; mask: Uint8Array } {
  const width = textWidth(text),
    height = GLYPH_HEIGHT;
  const mask = new Uint8Array(width * height);
  [...text].forEach((ch, c) => {
    const g = GLYPHS[ch] ?? GLYPHS['?']!;
    for (let y = 0; y < GLYPH_HEIGHT; y++) {
      for (let x = 0; x < GLYPH_WIDTH; x++) {
        if ((g[y]! >> (GLYPH_WIDTH - 1 - x)) & 1) mask[y * width + c * (GLYPH_WIDTH + GLYPH_SPACING) + x] = 1;
      }
    }
  });
  return { width, height, mask };
}
