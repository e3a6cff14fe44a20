// The barrier's spin budget: long on a machine where the other worker arrives while we spin,
// short where it is usually not running (a spinning worker then takes the core it waits for).
import { describe, expect, it } from 'vitest';
import { BarrierSpin, SPIN_MAX, SPIN_MIN } from '../../workers/session';

describe('BarrierSpin', () => {
  it('starts at the longest spin and keeps it while the spin catches the other worker', () => {
    const s = new BarrierSpin();
    expect(s.budget).toBe(SPIN_MAX);
    for (let i = 0; i < 10; i++) expect(s.record(true)).toBe(SPIN_MAX);
    expect([s.caught, s.slept]).toEqual([10, 0]);
  });

  it('quarters the spin after each wait that slept, down to the shortest, and doubles it back after waits the spin caught', () => {
    const s = new BarrierSpin();
    expect(s.record(false)).toBe(SPIN_MAX / 4);
    expect(s.record(false)).toBe(SPIN_MAX / 16);
    for (let i = 0; i < 20; i++) s.record(false);
    expect(s.budget).toBe(SPIN_MIN);
    // one caught wait on a loaded machine does not restore the full spin at once
    expect(s.record(true)).toBe(2 * SPIN_MIN);
    let steps = 1;
    while (s.budget < SPIN_MAX) {
      s.record(true);
      steps++;
    }
    // ... but a run of them does, within a few steps
    expect(steps).toBe(Math.ceil(Math.log2(SPIN_MAX / SPIN_MIN)));
    expect([s.caught, s.slept]).toEqual([steps, 22]);
  });
});
