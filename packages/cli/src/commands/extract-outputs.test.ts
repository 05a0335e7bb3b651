import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeNpy, encodeNpy, openNpz } from '@vggscope/io';
import { PYTHON_WITH_NUMPY, REPO_ROOT, skipNote, tinyWeights } from '@vggscope/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { outputKeys } from '../list-images.js';
import { runCaptured } from '../testdata/test-cli.js';

const CAT = join(REPO_ROOT, 'packages/cli/assets/chelsea.png');
const NO_NUMPY = skipNote(!PYTHON_WITH_NUMPY, 'no python3 with numpy');
let weights: string;
let tree: string; // a/x.png, b/x.png, b/deep/y.png, top.png
beforeAll(async () => {
  weights = await tinyWeights('vgg16', 'packed');
  tree = mkdtempSync(join(tmpdir(), 'tree-'));
  for (const p of ['a/x.png', 'b/x.png', 'b/deep/y.png', 'top.png']) {
    mkdirSync(join(tree, p, '..'), { recursive: true });
    copyFileSync(CAT, join(tree, p));
  }
});
const tmp = () => mkdtempSync(join(tmpdir(), 'out-'));
const extract = (out: string, images: string[], extra: string[] = [], size = '32x32') =>
  runCaptured([
    'extract',
    '--model',
    'tiny-vgg16',
    '--weights',
    weights,
    ...images.flatMap((i) => ['--images', i]),
    '--size',
    size,
    '--workers',
    '1',
    '--out',
    out,
    ...extra,
  ]);
type IndexRow = { image: string; key: string; outputs: { layer: string; file: string; key?: string; row?: number }[] };
const index = (out: string) =>
  readFileSync(join(out, 'features.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as IndexRow);
const py = (code: string) =>
  JSON.parse(spawnSync(PYTHON_WITH_NUMPY!, ['-c', code], { encoding: 'utf8' }).stdout) as unknown;

describe('outputKeys', () => {
  it('relative: paths under the common folder; suffix: stems, with parents only where needed', () => {
    expect(outputKeys(['/p/a/x.png', '/p/b/x.png', '/p/top.png'])).toEqual(['a/x', 'b/x', 'top']);
    expect(outputKeys(['/p/a/x.png', '/q/y.png'], 'suffix')).toEqual(['x', 'y']);
    expect(outputKeys(['/p/a/x.png', '/p/b/x.png'], 'suffix')).toEqual(['a/x', 'b/x']);
  });

  it('x.png beside x.jpg keep their extensions; case-only differences and reserved names never collide', () => {
    expect(outputKeys(['/p/x.png', '/p/x.jpg'])).toEqual(['x.png', 'x.jpg']);
    expect(outputKeys(['/p/A.png', '/p/a.png'])).toEqual(['A.png', 'a.png~2']);
    expect(outputKeys(['/p/features.npz.png', '/p/images.png'])).toEqual(['features.npz.png', 'images']);
    expect(outputKeys(['/p/x.png', '/p/x.png'], 'suffix')).toEqual(['p/x.png', 'p/x.png~2']); // the same file twice
  });
});

describe('folder outputs never collide (a/x.png and b/x.png)', () => {
  it('npy: each image keeps its relative path under --out; index keys unique; nothing overwritten', async () => {
    const out = tmp();
    const r = await extract(
      out,
      [join(tree, 'a'), join(tree, 'b')],
      ['--recursive', '--layer', 'block5_pool', '--json'],
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ done: 3, failed: 0 });
    const rows = index(out);
    expect(rows.map((x) => x.key)).toEqual(['a/x', 'b/deep/y', 'b/x']);
    expect(new Set(rows.map((x) => x.outputs[0]!.file)).size).toBe(3);
    for (const row of rows) expect(decodeNpy(readFileSync(row.outputs[0]!.file)).shape).toEqual([1, 1, 1, 16]);
    expect(readdirSync(out).sort()).toEqual(['a', 'b', 'features.jsonl']);
  });

  it.skipIf(!PYTHON_WITH_NUMPY)(
    `npz: one entry per image, keys unique, NumPy sees all of them${NO_NUMPY}`,
    async () => {
      const out = tmp();
      const r = await extract(out, [`${tree}/**/*.png`], ['--pooling', 'avg', '--format', 'npz']);
      expect(r.code).toBe(0);
      expect(py(`import numpy as np, json; print(json.dumps(sorted(np.load('${out}/features.npz').files)))`)).toEqual(
        ['a/x', 'b/deep/y', 'b/x', 'top'].map((k) => `${k}/global_average_pooling2d`),
      );
    },
  );
});

describe('--skip-existing trusts only complete outputs of this run’s shape', () => {
  it('npy: a 0-byte file, a truncated file and features of another --size are recomputed; good ones are reused', async () => {
    const out = tmp();
    const imgs = [join(tree, 'a'), join(tree, 'b')];
    await extract(out, imgs, ['--recursive']);
    const [ax, bdy, bx] = index(out).map((x) => x.outputs[0]!.file);
    writeFileSync(ax!, ''); // 0 bytes
    truncateSync(bdy!, 100); // truncated
    writeFileSync(bx!, encodeNpy({ data: new Float32Array(4 * 16), shape: [1, 2, 2, 16] })); // another size's features
    const r = await extract(out, imgs, ['--recursive', '--skip-existing', '--json']);
    expect(JSON.parse(r.out)).toMatchObject({ done: 3, skipped: 0 });
    const again = await extract(out, imgs, ['--recursive', '--skip-existing', '--json']);
    expect(JSON.parse(again.out)).toMatchObject({ done: 0, skipped: 3 });
    for (const f of [ax, bdy, bx]) expect(decodeNpy(readFileSync(f!)).shape).toEqual([1, 1, 1, 16]);
    expect(index(out)).toHaveLength(3); // reused images are indexed too
    const bigger = await extract(out, imgs, ['--recursive', '--skip-existing', '--json'], '64x64');
    expect(JSON.parse(bigger.out)).toMatchObject({ done: 3, skipped: 0 }); // 32×32 features do not count for a 64×64 run
  });

  it('npz: finished entries are reused and copied, the rest computed; the archive stays complete', async () => {
    const out = tmp();
    await extract(out, [join(tree, 'a')], ['--format', 'npz']);
    const r = await extract(
      out,
      [join(tree, 'a'), join(tree, 'b')],
      ['--recursive', '--format', 'npz', '--skip-existing', '--json'],
    );
    // The common folder changed (tree/a → tree), so a/x is a new key: nothing reused, all computed.
    expect(JSON.parse(r.out)).toMatchObject({ done: 3, skipped: 0 });
    const again = await extract(
      out,
      [join(tree, 'a'), join(tree, 'b')],
      ['--recursive', '--format', 'npz', '--skip-existing', '--json'],
    );
    expect(JSON.parse(again.out)).toMatchObject({ done: 0, skipped: 3 });
    const npz = await openNpz(join(out, 'features.npz'));
    expect([...npz!.entries.keys()].sort()).toEqual(['a/x/block5_pool', 'b/deep/y/block5_pool', 'b/x/block5_pool']);
    await npz!.close();
    expect(readdirSync(out).sort()).toEqual(['features.jsonl', 'features.npz']);
  });
});

describe('--stack: one [N, …] array per layer, in input order', () => {
  it.skipIf(!PYTHON_WITH_NUMPY)(
    `npy: features.npy + images.txt, loadable with the README's three lines${NO_NUMPY}`,
    async () => {
      const out = tmp();
      const r = await extract(out, [tree], ['--recursive', '--pooling', 'avg', '--stack']);
      expect(r.code).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['features.jsonl', 'features.npy', 'images.txt']);
      const names = readFileSync(join(out, 'images.txt'), 'utf8').trim().split('\n');
      expect(names).toEqual(['a/x.png', 'b/deep/y.png', 'b/x.png', 'top.png']); // relative to the shared folder
      const code = `import numpy as np, json
X = np.load('${out}/features.npy')
names = open('${out}/images.txt').read().splitlines()
print(json.dumps([list(X.shape), str(X.dtype), len(names), bool(np.allclose(X[0], X[3]))]))`;
      expect(py(code)).toEqual([[4, 16], 'float32', 4, true]); // the same photo four times: equal rows
    },
  );

  it.skipIf(!PYTHON_WITH_NUMPY)(
    `npz: each layer stacked under its name plus 'images'; several layers${NO_NUMPY}`,
    async () => {
      const out = tmp();
      const r = await extract(
        out,
        [join(tree, 'a'), join(tree, 'b')],
        ['--recursive', '--layer', 'block4_pool', '--layer', 'block5_pool', '--stack', '--format', 'npz'],
      );
      expect(r.code).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['features.jsonl', 'features.npz']);
      const z = py(
        `import numpy as np, json; z = np.load('${out}/features.npz'); print(json.dumps({k: [list(z[k].shape), str(z[k].dtype)] for k in z.files}))`,
      );
      expect(z).toEqual({
        block4_pool: [[3, 2, 2, 16], 'float32'],
        block5_pool: [[3, 1, 1, 16], 'float32'],
        images: [[3], expect.stringMatching(/^<U\d+$/)],
      });
      expect(index(out).map((x) => x.outputs[0]!.row)).toEqual([0, 1, 2]);
    },
  );

  for (const format of ['npy', 'npz'] as const)
    it(`${format}: --stack --skip-existing resumes an unfinished stack: finished rows copied, the rest computed, the same bytes as one whole run`, async () => {
      const whole = tmp();
      const flags = ['--layer', 'block4_pool', '--layer', 'block5_pool', '--stack', '--format', format];
      expect((await extract(whole, [tree], ['--recursive', ...flags])).code).toBe(0);
      // An earlier run that stopped part-way: three of the four images, with the same shared folder.
      const resumed = tmp();
      await extract(resumed, [`${tree}/*/x.png`, join(tree, 'top.png')], flags);
      const r = await extract(resumed, [tree], ['--recursive', '--skip-existing', '--json', ...flags]);
      expect(JSON.parse(r.out)).toMatchObject({ images: 4, done: 1, skipped: 3 });
      const files =
        format === 'npy' ? ['features_block4_pool.npy', 'features_block5_pool.npy', 'images.txt'] : ['features.npz'];
      expect(readdirSync(resumed).sort()).toEqual(['features.jsonl', ...files].sort());
      for (const f of files) expect(readFileSync(join(resumed, f)).equals(readFileSync(join(whole, f))), f).toBe(true);
      expect(index(resumed).map((x) => [x.image, x.outputs[0]!.row])).toEqual([
        ['a/x.png', 0],
        ['b/deep/y.png', 1],
        ['b/x.png', 2],
        ['top.png', 3],
      ]);
    });
});

describe('--images patterns', () => {
  it("'dir/**/*.png' finds nested files; a pattern matching nothing says so (exit 3)", async () => {
    const out = tmp();
    const r = await extract(out, [`${tree}/b/**/*.png`], ['--json']);
    expect(JSON.parse(r.out)).toMatchObject({ images: 2, done: 2 });
    await expect(extract(out, [`${tree}/**/*.jpg`])).rejects.toMatchObject({
      code: 'E_IMAGE_READ',
      message: expect.stringContaining('no files match the pattern'),
    });
  });

  it('a folder without --recursive takes only its own images, and says how to get subfolders', async () => {
    const r = await extract(tmp(), [join(tree, 'b')], ['--json']);
    expect(JSON.parse(r.out)).toMatchObject({ images: 1 });
    const noted = await extract(tmp(), [tree]);
    expect(noted.err).toContain(
      `note: 2 sub-folder(s) of ${tree} not searched; add --recursive to include their images`,
    );
    const empty = mkdtempSync(join(tmpdir(), 'nested-'));
    mkdirSync(join(empty, 'sub'));
    copyFileSync(CAT, join(empty, 'sub', 'z.png'));
    await expect(extract(tmp(), [empty])).rejects.toMatchObject({
      code: 'E_IMAGE_READ',
      message: expect.stringContaining('add --recursive'),
    });
  });
});
