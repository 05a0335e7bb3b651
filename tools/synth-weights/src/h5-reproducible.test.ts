import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readKerasH5 } from '@vggscope/weights';
import { describe, expect, it } from 'vitest';
import { lookup3 } from './h5-reproducible.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const md5 = (p: string) => createHash('md5').update(readFileSync(p)).digest('hex');

describe('byte-reproducible synthetic .h5', () => {
  it("lookup3 matches Bob Jenkins' published values", () => {
    expect(lookup3(new Uint8Array(0))).toBe(0xdeadbeef);
    expect(lookup3(new TextEncoder().encode('Four score and seven years ago'))).toBe(0x17770551);
    expect(lookup3(new TextEncoder().encode('Four score and seven years ago'), 1)).toBe(0xcd628161);
  });

  // The README's md5 was taken from a file made in an earlier process (on another day and machine), so
  // one generation matching it proves reproducibility; a second generation here would only add 17 s.
  it("a fresh generation has the README's md5 and is a file the reader reads", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth-repro-'));
    const generate = (out: string) =>
      spawnSync(
        process.execPath,
        [
          '--conditions=@vggscope/source',
          '--import',
          'tsx',
          join(REPO, 'tools/synth-weights/src/main.ts'),
          '--out',
          out,
        ],
        { encoding: 'utf8' },
      );
    expect(generate(join(dir, 'a.h5')).status).toBe(0);
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const documented = /weights\/synthetic\/vgg16_notop\.h5 \(keras-h5, 56\.1 MiB, md5 ([0-9a-f]{32})\)/.exec(
      readme,
    )?.[1];
    expect(documented).toBe(md5(join(dir, 'a.h5')));
    const c = await readKerasH5(join(dir, 'a.h5'), { only: new Set(['block1_conv1']) });
    expect(c.layers.find((l) => l.name === 'block1_conv1')!.weights[0]!.shape).toEqual([3, 3, 3, 64]);
  }, 120_000);
});
