import { describe, expect, it } from 'vitest';
import { compareWithPillow, corpusAnswers, CORPUS_DIR } from './testdata/corpus-compare.js';

// testdata/corpus/: small edge-case files of every format made by testdata/make-corpus.py with
// Pillow 9.4 (and libtiff's tiffcp), with Pillow's decision and md5s in corpus.pillow.json. Each
// file must get Pillow's decision (read or refused) and, where read, Pillow's convert('RGB') and
// load_img pixels. The known differences are listed with their reason (docs/images.md); a file
// that starts to differ, or stops differing, fails the test until this list says so.
const KNOWN_DIFFERENCES: Record<string, string> = {};

describe('the Pillow corpus (testdata/corpus, made by make-corpus.py)', () => {
  const answers = corpusAnswers();
  const names = Object.keys(answers);
  it(`${names.length} files: Pillow's decision and pixels, except the documented differences`, () => {
    const differ: Record<string, string> = {};
    for (const name of names) {
      const r = compareWithPillow(CORPUS_DIR, name, answers[name]!);
      if (r !== 'ok') differ[name] = r;
    }
    const same = names.length - Object.keys(differ).length;
    console.log(`Pillow corpus: ${same}/${names.length} identical (${((100 * same) / names.length).toFixed(1)} %)`);
    expect(Object.keys(differ).sort()).toEqual(Object.keys(KNOWN_DIFFERENCES).sort());
    expect(Object.values(differ).filter((r) => r.startsWith('untyped'))).toEqual([]);
  }, 60_000);
});
