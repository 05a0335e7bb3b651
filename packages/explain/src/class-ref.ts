import { VggError } from '@vggscope/core';
import { closestName } from '@vggscope/core';
import { imagenetClassIndex } from './predictions.js';

/** An ImageNet class as Keras' class index names it. */
export interface ImagenetClass {
  readonly index: number;
  readonly wnid: string;
  readonly label: string;
}

/**
 * Resolves `281`, `n02123045` or `tabby` (case-insensitive; `_` or spaces) to an ImageNet class.
 * @example imagenetClass('tabby') // { index: 281, wnid: 'n02123045', label: 'tabby' }
 */
export function imagenetClass(ref: string | number): ImagenetClass {
  const index = imagenetClassIndex();
  const text = String(ref).trim();
  if (/^\d+$/.test(text)) {
    const entry = index[Number(text)];
    if (!entry) throw new VggError('E_USAGE', `class index ${text} is out of range: ImageNet classes are 0…999`);
    return { index: Number(text), wnid: entry[0], label: entry[1] };
  }
  const norm = (s: string) => s.toLowerCase().replace(/[\s-]+/g, '_');
  for (const [i, [wnid, label]] of Object.entries(index)) {
    if (wnid === text.toLowerCase() || norm(label) === norm(text)) return { index: Number(i), wnid, label };
  }
  const labels = Object.values(index).map(([, l]) => l);
  const containing = labelsContaining(norm(text), labels);
  const closest = closestName(norm(text), labels);
  const hint = containing.length
    ? ` (labels containing '${text}': ${containing.join(', ')})`
    : closest
      ? ` (did you mean '${closest}'?)`
      : '';
  throw new VggError(
    'E_USAGE',
    `unknown ImageNet class '${text}'; give an index 0…999, a WNID (n02123045) or a label${hint}`,
  );
}

/**
 * Labels that hold the word: as a whole part first (`cat` → `tiger_cat`, `Persian_cat`), then
 * inside a part (`wildcat`); at most 8. A word is what people type, not a near-miss spelling.
 */
function labelsContaining(word: string, labels: readonly string[]): string[] {
  if (word.length < 3) return [];
  const parts = (l: string) => l.toLowerCase().split(/[_\s-]+/);
  const whole = labels.filter((l) => parts(l).includes(word));
  const inside = labels.filter((l) => !whole.includes(l) && l.toLowerCase().includes(word));
  return [...whole, ...inside].slice(0, 8);
}

/** The class of index `i` (for labelling a top-1 choice). */
export function classAt(i: number): ImagenetClass {
  const entry = imagenetClassIndex()[i];
  return { index: i, wnid: entry?.[0] ?? `class_${i}`, label: entry?.[1] ?? `class ${i}` };
}
