// One maker of identifiers (src/util/uuid.ts): version 4 UUIDs for study names, journal
// writers and saved files, also where crypto.randomUUID is missing (plain-http pages).
import { webcrypto } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tune from '../../src/tune';
import { randomUUID } from '../../src/util/uuid';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function expectUuids(make: () => string): void {
  const ids = Array.from({ length: 2000 }, make);
  for (const id of ids) expect(id).toMatch(V4);
  expect(new Set(ids).size).toBe(ids.length);
  // every hex digit outside the fixed version/variant bits varies
  const free = ids.map((id) => id.replace(/-/g, '')).map((h) => h.slice(0, 12) + h.slice(13, 16) + h.slice(17));
  for (let i = 0; i < free[0]!.length; i++) expect(new Set(free.map((h) => h[i])).size, `digit ${i}`).toBeGreaterThan(8);
}

describe('randomUUID', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('gives version 4 UUIDs from crypto.randomUUID', () => {
    expectUuids(randomUUID);
  });

  it('gives version 4 UUIDs from getRandomValues where randomUUID is missing, and so do study names and journal writers', () => {
    vi.stubGlobal('crypto', { getRandomValues: (a: Uint8Array) => webcrypto.getRandomValues(a) });
    expect((globalThis.crypto as { randomUUID?: unknown }).randomUUID).toBeUndefined();
    expectUuids(randomUUID);
    const study = tune.createStudy({});
    expect(study.studyName).toMatch(new RegExp(`^no-name-${V4.source.slice(1, -1)}$`));
    const storage = new tune.JournalStorage(new tune.MemoryJournalBackend());
    expect(storage.workerId).toMatch(V4);
  });

  it('says what is missing when there is no WebCrypto at all', () => {
    vi.stubGlobal('crypto', undefined);
    expect(() => randomUUID()).toThrow(/knobs needs crypto\.getRandomValues/);
  });
});
