/**
 * A model that surpasses human level (Fashion-MNIST's crowd-sourced 83.5% is beaten by a small
 * conv net): the diagnosis says what the lecture says then. Human-level error is no longer a
 * proxy for Bayes error, the avoidable bias is unknown (never negative), progress gets harder,
 * and a high human-level error no longer points at the data.
 */
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_HUMAN_LEVEL_ERROR } from '../../src/data/fashion-mnist';
import { diagnose, formatDiagnosis } from '../../src/diagnose';

describe('diagnose when the model surpasses human level', () => {
  it('a conv net on Fashion-MNIST (train 5%, dev 8.5%, humans 16.5%): avoidable bias unknown, the focus on variance', () => {
    const d = diagnose({ humanLevelError: FASHION_MNIST_HUMAN_LEVEL_ERROR, trainError: 0.05, devError: 0.085 });
    expect(d.surpassesHumanLevel).toBe(true);
    expect(d.avoidableBias).toBe(0);
    expect(d.focus).toBe('variance');
    const note = d.notes[0]!;
    expect(note).toContain('Training and dev errors (5.00%, 8.50%) are below human-level error (16.50%): the model surpasses human level');
    expect(note).toContain('Human-level error is then no longer a proxy for Bayes error');
    expect(note).toContain('The avoidable bias is now unknown');
    expect(note).toContain('Progress gets harder from here');
    // humans are no floor here, so their high error does not send the user to the data
    expect(d.notes.join(' ')).not.toContain('Human-level error is high');
    const text = formatDiagnosis(d);
    expect(text).toContain('avoidable bias  unknown: the model surpasses human level, which is no longer a proxy for Bayes error');
    expect(text).not.toMatch(/avoidable bias\s+-/);
  });

  it('a dev error below human level counts too, and never gives a positive avoidable bias against humans', () => {
    const d = diagnose({ humanLevelError: 0.05, trainError: 0.06, devError: 0.045 });
    expect(d.surpassesHumanLevel).toBe(true);
    expect(d.avoidableBias).toBe(0);
    expect(d.notes[0]).toMatch(/^Dev error \(4\.50%\) is below human-level error \(5\.00%\)/);
  });

  it('with low gaps and a high human-level error it is a well-trained model, not a data-quality problem', () => {
    const surpassed = diagnose({ humanLevelError: 0.165, trainError: 0.08, devError: 0.085 });
    expect(surpassed.focus).toBe('none');
    // the same gaps below human level keep the lecture's data-quality verdict
    const below = diagnose({ humanLevelError: 0.165, trainError: 0.17, devError: 0.175 });
    expect(below.surpassesHumanLevel).toBe(false);
    expect(below.focus).toBe('dataQuality');
  });

  it('a known Bayes error still measures the bias, and keeps the data-quality verdict', () => {
    const d = diagnose({ bayesError: 0.06, humanLevelError: 0.165, trainError: 0.08, devError: 0.085 });
    expect(d.surpassesHumanLevel).toBe(true);
    expect(d.bias).toBeCloseTo(0.02, 12);
    expect(d.focus).toBe('bias');
    expect(d.notes[0]).toContain('The bias against Bayes error (6.00%) is 2.00%');
  });
});
