import { describe, expect, it } from 'vitest';
import { imagenetClass } from './class-ref.js';
import { imagenetClassIndex } from './predictions.js';

describe('imagenetClass', () => {
  it('a label, a WNID or an index', () => {
    expect(imagenetClass('tabby')).toEqual({ index: 281, wnid: 'n02123045', label: 'tabby' });
    expect(imagenetClass('n02123045').index).toBe(281);
    expect(imagenetClass(282).label).toBe('tiger_cat');
  });

  it("a word that is part of labels ('cat') lists those labels, whole-word matches first", () => {
    const index = Object.values(imagenetClassIndex()).map(([, l]) => l);
    const withWord = index.filter((l) => l.toLowerCase().split('_').includes('cat'));
    expect(withWord.length).toBeGreaterThan(2);
    expect(() => imagenetClass('cat')).toThrow(`labels containing 'cat': ${withWord.join(', ')}`);
  });

  it('a misspelling gets the nearest label', () => {
    expect(() => imagenetClass('tabbby')).toThrow("did you mean 'tabby'?");
  });
});
