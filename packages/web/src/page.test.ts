/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/// <reference lib="dom.asynciterable" />
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { buildGraph } from '@vggscope/core';
import { encodeNpy } from '@vggscope/io';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { loadVgg } from '@vggscope/kernels';
import { loadInput } from '@vggscope/image';
import { decodePredictions, gradCamFromActivation, readTopWeights, saliency } from '@vggscope/explain';
import { FIXTURES, fixture, HDF5_LOOP_EDITS, REPO_ROOT, skipNote, tinyWeights } from '@vggscope/test-utils';
import { type Browser, chromium, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from './build-web.js';
import { startServer } from './server.js';

// The explorer page in Debian's Chromium, served by the real server: block5_pool read back from the
// page must be the bytes Node computes for the same image and weights, with threads (cross-origin
// isolated) and without (no COOP/COEP: one thread, unshared memory).
const CHROMIUM = '/usr/bin/chromium';
const NO_CHROMIUM = skipNote(!existsSync(CHROMIUM), `${CHROMIUM} is not installed (.ci/run installs it)`);
const SAMPLE = join(REPO_ROOT, 'packages/cli/assets/chelsea.png');

let app: string;
let bundled: string[] = [];
let chunks: Record<string, string[]> = {};
let weights: string;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  app = mkdtempSync(join(tmpdir(), 'vggscope-app-'));
  ({ inputs: bundled, outputs: chunks } = await buildWeb(app));
  weights = await tinyWeights('vgg16', 'packed');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  if (app) rmSync(app, { recursive: true, force: true });
});

describe.skipIf(!existsSync(CHROMIUM))(`the page's bundle${NO_CHROMIUM}`, () => {
  it('holds the engine and the readers, but no tfjs or piscina; h5wasm only in a chunk loaded for a .h5', () => {
    expect(bundled.some((f) => f.includes('kernels/src/simd/team.ts'))).toBe(true);
    expect(bundled.some((f) => f.includes('weights/src/packed.ts'))).toBe(true);
    expect(bundled.filter((f) => /node_modules\/(@tensorflow|piscina)\//.test(f))).toEqual([]);
    const h5 = Object.keys(chunks).filter((out) => chunks[out]!.some((f) => f.includes('node_modules/h5wasm/')));
    expect(h5).toHaveLength(1);
    expect(h5[0]).toMatch(/^chunks\//);
    for (const entry of ['main.js', 'engine-worker.js'])
      expect(chunks[entry]!.filter((f) => f.includes('h5wasm'))).toEqual([]);
  });
});

/** block5_pool of `image` computed by Node (the library, the same engine and readers). */
async function nodeFeatures(image: string, threads: number, weightsPath = weights): Promise<Float32Array> {
  const m = await loadVgg({ model: 'tiny-vgg16', weights: weightsPath, layers: ['block5_pool'], threads });
  try {
    return (await m.extract(image))[0]!.data;
  } finally {
    await m.close();
  }
}

/** The error the library (and so the CLI) raises for these weights. */
async function nodeError(weightsPath: string): Promise<{ code: string; message: string }> {
  return loadVgg({ model: 'tiny-vgg16', weights: weightsPath, layers: ['block5_pool'], threads: 1 }).then(
    async (m) => {
      await m.close();
      throw new Error('expected the weights to be refused');
    },
    (e: { code: string; message: string }) => e,
  );
}

/** Marks the status unsettled, does `action`, and waits until the page settles again. */
async function after(page: Page, action: () => Promise<unknown>): Promise<string> {
  await page.evaluate(() => (document.getElementById('status')!.dataset.state = 'pending'));
  await action();
  return waitSettled(page);
}

async function waitSettled(page: Page): Promise<string> {
  await page.waitForFunction(
    () => ['done', 'error'].includes(document.getElementById('status')!.dataset.state ?? ''),
    null,
    { timeout: 90_000 },
  );
  return page.evaluate(() => document.getElementById('status')!.dataset.state!);
}

async function pageFeatures(page: Page, layer = 'block5_pool'): Promise<Float32Array> {
  const f = await page.evaluate(
    (l) => (window as unknown as { vggscope: { features(l: string): { data: number[] } } }).vggscope.features(l),
    layer,
  );
  return Float32Array.from(f.data);
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

for (const isolate of [true, false]) {
  describe.skipIf(!existsSync(CHROMIUM))(
    `explorer page in Chromium, ${isolate ? 'cross-origin isolated (threads on)' : 'not isolated (one thread)'}${NO_CHROMIUM}`,
    () => {
      let page: Page;
      let close: () => Promise<void>;
      const problems: string[] = [];

      beforeAll(async () => {
        const server = await startServer({
          appDir: app,
          weights: [{ path: weights, model: 'tiny-vgg16' }],
          port: 0,
          host: '127.0.0.1',
          isolate,
        });
        close = server.close;
        page = await browser.newPage();
        page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
        page.on('pageerror', (e) => problems.push(e.message));
        await page.goto(server.url);
      }, 60_000);
      afterAll(async () => {
        await page?.close();
        await close?.();
      });

      it('runs the sample cat: block5_pool byte-identical to Node’s; threads as the isolation allows', async () => {
        expect(await waitSettled(page)).toBe('done');
        const threads = await page.evaluate(
          () => (window as unknown as { vggscope: { state: { threads: number } } }).vggscope.state.threads,
        );
        expect(threads).toBe(isolate ? Math.min(2, await page.evaluate(() => navigator.hardwareConcurrency)) : 1);
        if (!isolate) expect(await page.textContent('#notices')).toContain('one thread');
        expect(bytes(await pageFeatures(page)).equals(bytes(await nodeFeatures(SAMPLE, threads)))).toBe(true);
      });

      it('every figure is drawn (non-empty canvases with more than one colour)', async () => {
        await pageSaliency(page); // drawn after the result
        const figures = await page.evaluate(() =>
          [...document.querySelectorAll('canvas')]
            .filter((c) => c.id !== 'cam')
            .map((c) => {
              const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
              const colours = new Set<number>();
              for (let i = 0; i < d.length && colours.size < 3; i += 4)
                colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
              return { w: c.width, h: c.height, colours: colours.size };
            }),
        );
        expect(figures.length).toBe(8); // the filters, the saliency overlay, the chosen layer's grid, five last-conv grids
        for (const f of figures) expect(f.w * f.h > 0 && f.colours > 1, JSON.stringify(f)).toBe(true);
      });

      // The WebP goes through the libwebp build's own wasm in the page's worker (webpDecodeRgb).
      for (const name of ['chelsea_420.jpg', 'coffee.webp'])
        it.skipIf(!FIXTURES)(
          `${name} through the file input: the same bytes as Node${skipNote(!FIXTURES, 'no ../shared/fixtures')}`,
          async () => {
            const file = fixture(`images/${name}`);
            // The last image's run left 'done': clear it, so the wait below sees this image's run.
            await page.evaluate(() => (document.getElementById('status')!.dataset.state = 'idle'));
            await page.setInputFiles('#file', file);
            await page.waitForFunction(
              () =>
                document.getElementById('status')!.dataset.state === 'running' ||
                document.getElementById('status')!.dataset.state === 'done',
            );
            expect(await waitSettled(page)).toBe('done');
            const threads = isolate ? 2 : 1;
            expect(bytes(await pageFeatures(page)).equals(bytes(await nodeFeatures(file, threads)))).toBe(true);
          },
        );

      it('a hostile file shows the typed error the CLI gives, and the page keeps working', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'vggscope-hostile-'));
        const bad = join(dir, 'photo.png');
        writeFileSync(bad, 'this is not an image, whatever its name says\n');
        const cli = await loadInput(bad, [224, 224]).then(
          () => undefined,
          (e: { code: string; message: string }) => e,
        );
        expect(await after(page, () => page.setInputFiles('#file', bad))).toBe('error');
        const shown = (await page.textContent('#error'))!;
        expect(shown.startsWith(`${cli!.code}: `)).toBe(true);
        expect(shown).toContain(cli!.message.split(bad).join('/images/photo.png'));
        expect(await after(page, () => page.setInputFiles('#file', SAMPLE))).toBe('done');
        expect(await page.textContent('#error')).toBe('');
        rmSync(dir, { recursive: true });
      });

      it('a truncated weights file shows the typed error the CLI gives; good weights work again', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'vggscope-hostile-w-'));
        const cut = join(dir, 'cut.vggw');
        const whole = readFileSync(weights);
        writeFileSync(cut, whole.subarray(0, whole.length - 100));
        const cli = await nodeError(cut);
        expect(await after(page, () => page.setInputFiles('#weights-file', cut))).toBe('error');
        const shown = (await page.textContent('#error'))!;
        expect(shown.startsWith(`${cli.code}: `), shown).toBe(true);
        expect(shown).toContain(cli.message.split(cut).join('/weights/cut.vggw'));
        const again = await after(page, () => page.setInputFiles('#weights-file', weights));
        expect(again, (await page.textContent('#error'))!).toBe('done');
        rmSync(dir, { recursive: true });
      });

      it('a second visit takes the weights from Cache Storage (checked by sha256): no download', async () => {
        const fetched: string[] = [];
        page.on('request', (r) => r.url().includes('/weights/') && fetched.push(r.url()));
        expect(await after(page, () => page.reload())).toBe('done');
        expect(fetched).toEqual([]);
        expect(
          await page.evaluate(
            () => (window as unknown as { vggscope: { state: { weightsFrom: string } } }).vggscope.state.weightsFrom,
          ),
        ).toBe('cache');
        expect(bytes(await pageFeatures(page)).equals(bytes(await nodeFeatures(SAMPLE, isolate ? 2 : 1)))).toBe(true);
      });

      it('no console errors', () => {
        expect(problems).toEqual([]);
      });
    },
  );
}

describe.skipIf(!existsSync(CHROMIUM))(`explorer page with the classifier's weights${NO_CHROMIUM}`, () => {
  it('top-5 and Grad-CAM: the same classes and heatmap as the library in Node', async () => {
    const top = await tinyWeights('vgg16', 'packed', { includeTop: true });
    const server = await startServer({
      appDir: app,
      weights: [{ path: top, model: 'tiny-vgg16', includeTop: true }],
      port: 0,
      host: '127.0.0.1',
    });
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      expect(await waitSettled(page)).toBe('done');
      const m = await loadVgg({
        model: 'tiny-vgg16',
        includeTop: true,
        weights: top,
        layers: ['block5_conv3', 'predictions'],
      });
      const [a, preds] = await m.extract(SAMPLE);
      const expected = gradCamFromActivation(a!, await readTopWeights(top, m.graph), undefined, 'block5_conv3');
      const labels = decodePredictions(preds!)[0]!.map((p) => p.label);
      await m.close();
      expect(await page.locator('#top5 li').allTextContents(), (await page.textContent('#error'))!).toEqual(
        labels.map((l, i) => expect.stringContaining(l) && expect.stringMatching(new RegExp(`^${l} — `))),
      );
      expect(await page.textContent('#cam-note')).toBe(`${expected.class.label} (block5_conv3)`);
      const shown = await page.evaluate(() => {
        const c = document.getElementById('cam') as HTMLCanvasElement;
        return { w: c.width, h: c.height };
      });
      expect(shown).toEqual({ w: 224, h: 224 });
      const heatmap = await page.evaluate(
        () =>
          (window as unknown as { vggscope: { state: { gradCam: { heatmap: number[] } } } }).vggscope.state.gradCam
            .heatmap,
      );
      expect(Float32Array.from(heatmap)).toEqual(expected.heatmap.data);

      // Saliency of the top-1 class: explain's map in Node, from a session with the page's thread count.
      const s = await pageSaliency(page);
      const threads = await stateOf<number>(page, 'threads');
      const n = await loadVgg({
        model: 'tiny-vgg16',
        includeTop: true,
        weights: top,
        layers: ['predictions'],
        threads,
      });
      const want = await saliency(n, await loadInput(SAMPLE, [224, 224])).finally(() => n.close());
      expect(s.objective).toEqual({ kind: 'class', class: want.class!.index, label: want.class!.label });
      expect(want.map.data.some((v) => v > 0)).toBe(true);
      expect(bytes(Float32Array.from(s.map)).equals(bytes(want.map.data))).toBe(true);
      expect(await page.textContent('#saliency-note')).toContain(`top-1 class score: ${want.class!.label}`);
      expect(await decodedFigure(page, 'saliency')).toEqual({ width: 224, height: 224, colours: 3 });
    } finally {
      await page.close();
      await server.close();
    }
  });
});

/** One field of the page's state (`window.vggscope.state`). */
async function stateOf<T>(page: Page, key: string): Promise<T> {
  return page.evaluate(
    (k) => (window as unknown as { vggscope: { state: Record<string, T> } }).vggscope.state[k]!,
    key,
  );
}

type PageSaliency = { map: number[]; shape: number[]; objective: Record<string, unknown> };

/** The saliency map the page computed for its last image (it follows the result). */
async function pageSaliency(page: Page): Promise<PageSaliency> {
  await page.waitForFunction(
    () => (window as unknown as { vggscope: { state: { saliency?: unknown } } }).vggscope.state.saliency !== undefined,
    null,
    { timeout: 60_000 },
  );
  return stateOf<PageSaliency>(page, 'saliency');
}

/** The canvas as the PNG a download gives, decoded in Node: its size and how many colours it has (up to 3). */
async function decodedFigure(page: Page, id: string): Promise<{ width: number; height: number; colours: number }> {
  const dataUrl = await page.evaluate(
    (i) => (document.getElementById(i) as HTMLCanvasElement).toDataURL('image/png'),
    id,
  );
  const png = PNG.sync.read(Buffer.from(dataUrl.split(',')[1]!, 'base64'));
  const colours = new Set<number>();
  for (let i = 0; i < png.data.length && colours.size < 3; i += 4)
    colours.add((png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!);
  return { width: png.width, height: png.height, colours: colours.size };
}

/** The channel with the largest sum over the map, first on ties (plain loops over Node's activation). */
function argmaxChannel(a: { data: Float32Array; shape: readonly number[] }): number {
  const c = a.shape.at(-1)!;
  const sums = new Array<number>(c).fill(0);
  a.data.forEach((v, i) => (sums[i % c]! += v));
  return sums.indexOf(Math.max(...sums));
}

describe.skipIf(!existsSync(CHROMIUM))(
  `explorer page: a dropped image, saliency, and weights the user picks (.h5, tfjs folder)${NO_CHROMIUM}`,
  () => {
    let page: Page;
    let close: () => Promise<void>;
    let threads: number;
    let tmp: string;
    let url: string;
    const problems: string[] = [];

    beforeAll(async () => {
      tmp = mkdtempSync(join(tmpdir(), 'vggscope-page-'));
      const server = await startServer({
        appDir: app,
        weights: [{ path: weights, model: 'tiny-vgg16' }],
        port: 0,
        host: '127.0.0.1',
      });
      close = server.close;
      url = server.url;
      page = await browser.newPage();
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(server.url);
      expect(await waitSettled(page)).toBe('done');
      threads = await stateOf<number>(page, 'threads');
    }, 60_000);
    afterAll(async () => {
      await page?.close();
      await close?.();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    it('saliency without the classifier: the most active block5_conv3 filter, the map Node’s explain gives', async () => {
      const s = await pageSaliency(page);
      const m = await loadVgg({ model: 'tiny-vgg16', weights, layers: ['block5_conv3'], threads });
      try {
        const filter = argmaxChannel((await m.extract(SAMPLE))[0]!);
        expect(s.objective).toEqual({ kind: 'filter', layer: 'block5_conv3', filter });
        const x = await loadInput(SAMPLE, [224, 224]);
        const expected = await saliency(m, x, { objective: { kind: 'filter', layer: 'block5_conv3', filter } });
        expect(s.shape).toEqual([224, 224]);
        expect(expected.map.data.some((v) => v > 0)).toBe(true);
        expect(bytes(Float32Array.from(s.map)).equals(bytes(expected.map.data))).toBe(true);
      } finally {
        await m.close();
      }
      expect(await page.textContent('#saliency-note')).toContain(`block5_conv3 filter `);
      expect(await decodedFigure(page, 'saliency')).toEqual({ width: 224, height: 224, colours: 3 });
    });

    it('an image dropped onto the page is the one analysed (block5_pool = Node’s for that file)', async () => {
      // A picture unlike the cat: diagonal stripes over a gradient, 96×80.
      const png = new PNG({ width: 96, height: 80 });
      for (let y = 0; y < 80; y++)
        for (let x = 0; x < 96; x++) png.data.set([(x * 5) % 256, ((x + y) % 16) * 16, y * 3, 255], (y * 96 + x) * 4);
      const file = join(tmp, 'stripes.png');
      writeFileSync(file, PNG.sync.write(png));
      const dropped = [...readFileSync(file)];
      const state = await after(page, () =>
        page.evaluate((data) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([new Uint8Array(data)], 'stripes.png', { type: 'image/png' }));
          const target = document.getElementById('drop')!;
          target.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
          target.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        }, dropped),
      );
      expect(state).toBe('done');
      const shown = await pageFeatures(page);
      expect(bytes(shown).equals(bytes(await nodeFeatures(file, threads)))).toBe(true);
      expect(bytes(shown).equals(bytes(await nodeFeatures(SAMPLE, threads)))).toBe(false);
      expect(await page.getAttribute('#preview', 'src')).toMatch(/^blob:/);
    });

    it('a Keras .h5 (synth-weights) through the file input: block5_pool = Node’s bytes for that file', async () => {
      const h5 = await tinyWeights('vgg16', 'h5');
      expect(
        await after(page, () => page.setInputFiles('#weights-file', h5)),
        (await page.textContent('#error'))!,
      ).toBe('done');
      expect(await stateOf(page, 'format')).toBe('keras-h5');
      expect(await after(page, () => page.setInputFiles('#file', SAMPLE))).toBe('done');
      expect(bytes(await pageFeatures(page)).equals(bytes(await nodeFeatures(SAMPLE, threads, h5)))).toBe(true);
    });

    it('a tfjs folder, through the folder picker and as loose files: block5_pool = Node’s bytes for that folder', async () => {
      const dir = await tinyWeights('vgg16', 'tfjs');
      const expected = bytes(await nodeFeatures(SAMPLE, threads, dir));
      expect(
        await after(page, () => page.setInputFiles('#weights-folder', dir)),
        (await page.textContent('#error'))!,
      ).toBe('done');
      expect(await stateOf(page, 'format')).toBe('tfjs-layers');
      expect(bytes(await pageFeatures(page)).equals(expected)).toBe(true);
      const loose = readdirSync(dir).map((f) => join(dir, f));
      expect(loose.length).toBeGreaterThan(1);
      expect(await after(page, () => page.setInputFiles('#weights-file', loose))).toBe('done');
      expect(bytes(await pageFeatures(page)).equals(expected)).toBe(true);
    });

    it('a truncated .h5 and VGG19’s .h5 show the CLI’s typed errors; good weights work again', async () => {
      const h5 = await tinyWeights('vgg16', 'h5');
      const cut = join(tmp, 'cut.h5');
      const whole = readFileSync(h5);
      writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
      const other = await tinyWeights('vgg19', 'h5');
      for (const bad of [cut, other]) {
        const cli = await nodeError(bad);
        expect(await after(page, () => page.setInputFiles('#weights-file', bad))).toBe('error');
        const shown = (await page.textContent('#error'))!;
        expect(shown.startsWith(`${cli.code}: `), shown).toBe(true);
        expect(shown).toContain(cli.message.split(bad).join(`/weights/${basename(bad)}`));
      }
      expect(await after(page, () => page.setInputFiles('#weights-file', weights))).toBe('done');
      expect(bytes(await pageFeatures(page)).equals(bytes(await nodeFeatures(SAMPLE, threads)))).toBe(true);
    });

    it.skipIf(!FIXTURES)(
      `an .h5 HDF5 loops on: the engine worker is stopped at the reader's budget, with its message; the page works on${skipNote(!FIXTURES, 'no ../shared/fixtures')}`,
      async () => {
        // The Keras 3 file with the bytes that send HDF5 into a loop (read-keras-h5.hostile.test.ts).
        const b = Uint8Array.from(readFileSync(fixture('keras-h5', 'pre_pr22362_nested_container.model.weights.h5')));
        for (const [at, v] of HDF5_LOOP_EDITS) b[at] = v;
        const loop = join(tmp, 'loop.h5');
        writeFileSync(loop, b);
        const t0 = performance.now();
        expect(await after(page, () => page.setInputFiles('#weights-file', loop))).toBe('error');
        expect(performance.now() - t0).toBeLessThan(30_000);
        expect(await page.textContent('#error')).toMatch(
          /^E_WEIGHTS_FORMAT: '\/weights\/loop\.h5': reading it as HDF5 took longer than [\d.]+ s and was stopped; the file is corrupt/,
        );
        expect(await after(page, () => page.setInputFiles('#weights-file', weights))).toBe('done');
        expect(bytes(await pageFeatures(page)).equals(bytes(await nodeFeatures(SAMPLE, threads)))).toBe(true);
      },
    );

    it('picked weights are kept in OPFS (the last 3, by sha256) and load from there after a reload, byte for byte; a corrupt copy is refused and removed; forget empties it', async () => {
      await page.evaluate(() => document.getElementById('forget-weights')!.click());
      await page.waitForFunction(() => document.getElementById('cached-weights')!.hidden);
      // Four accepted picks (two other seeds, a tfjs folder, the server's .vggw): the first is dropped.
      const seed8 = await tinyWeights('vgg16', 'packed', { seed: 8 });
      const seed9 = await tinyWeights('vgg16', 'packed', { seed: 9 });
      const dir = await tinyWeights('vgg16', 'tfjs');
      const first = new Map<string, Buffer>();
      for (const [input, path] of [
        ['#weights-file', seed8],
        ['#weights-file', seed9],
        ['#weights-folder', dir],
        ['#weights-file', weights],
      ] as const) {
        expect(await after(page, () => page.setInputFiles(input, path)), (await page.textContent('#error'))!).toBe(
          'done',
        );
        first.set(path, bytes(await pageFeatures(page)));
        await newestPick(page, shaOf(path)); // kept after `loaded`
      }
      expect(first.get(seed8)!.equals(first.get(seed9)!)).toBe(false);
      const kept = [weights, dir, seed9].map((p) => ({ sha: shaOf(p), text: `cached: ${basename(p)} (${size(p)})` }));
      expect(await picked(page)).toEqual(kept);

      // A second visit: the same list; each entry loads from OPFS (no picker), with the features of its first load.
      expect(await after(page, () => page.reload())).toBe('done');
      expect(await picked(page)).toEqual(kept);
      expect(await page.getAttribute('#cached-weights option:nth-child(2)', 'title')).toBe(
        `tiny-vgg16, without the classifier, packed; sha256 ${shaOf(weights)}`,
      );
      await page.evaluate(() => {
        const seen: string[] = ((window as unknown as { statuses: string[] }).statuses = []);
        const status = document.getElementById('status')!;
        new MutationObserver(() => seen.push(status.textContent!)).observe(status, { childList: true });
      });
      for (const [path, format] of [
        [seed9, 'packed'],
        [dir, 'tfjs-layers'],
      ] as const) {
        expect(await after(page, () => page.selectOption('#cached-weights', shaOf(path)))).toBe('done');
        expect([await stateOf(page, 'weightsFrom'), await stateOf(page, 'format')]).toEqual(['opfs', format]);
        expect(bytes(await pageFeatures(page)).equals(first.get(path)!)).toBe(true);
      }
      expect(await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses)).toContain(
        `cached weights: ${(statSize(dir) / 1e6).toFixed(1)} MB`,
      );
      await newestPick(page, shaOf(dir)); // the most recent now

      // Other bytes in the kept .vggw (one bit, so the length holds): refused by its sha256, and removed.
      await page.evaluate(async (sha) => {
        const root = await navigator.storage.getDirectory();
        const home = await (await root.getDirectoryHandle('vggscope-picked-v1')).getDirectoryHandle(sha);
        const file = await home.getFileHandle('0');
        const b = new Uint8Array(await (await file.getFile()).arrayBuffer());
        b[b.length >> 1]! ^= 1;
        const w = await file.createWritable();
        await w.write(b);
        await w.close();
      }, shaOf(weights));
      expect(await after(page, () => page.selectOption('#cached-weights', shaOf(weights)))).toBe('error');
      expect(await page.textContent('#error')).toBe(
        `E_WEIGHTS_CHECKSUM: cached weights '${basename(weights)}' do not match the sha256 recorded when they were kept (${shaOf(weights).slice(0, 12)}…, read ${sha256(Buffer.from(flipMiddleBit(readFileSync(weights)))).slice(0, 12)}…): a torn or altered copy, now removed from this browser\npick the file again`,
      );
      expect(await picked(page)).toEqual([kept[1], kept[2]]);
      expect(await opfsNames(page)).toEqual(['index.json', shaOf(dir), shaOf(seed9)].sort());
      expect(await after(page, () => page.selectOption('#cached-weights', shaOf(seed9)))).toBe('done');

      await page.click('#forget-weights');
      await page.waitForFunction(() => document.getElementById('cached-weights')!.hidden);
      expect(await page.textContent('#cache-note')).toBe('cached weights forgotten');
      expect(await opfsNames(page)).toEqual([]);
      expect(await after(page, () => page.reload())).toBe('done');
      expect(await picked(page)).toEqual([]);
    });

    it('without OPFS, or past the quota, the page says once that picks are not kept, and works on', async () => {
      // The quota: the page's own estimate says 1 kB is left (and no kept copy would be replaced).
      await page.evaluate(() => document.getElementById('forget-weights')!.click());
      await page.waitForFunction(() => document.getElementById('cached-weights')!.hidden);
      await page.evaluate(() => (navigator.storage.estimate = async () => ({ usage: 0, quota: 1000 })));
      expect(await after(page, () => page.setInputFiles('#weights-file', weights))).toBe('done');
      await page.waitForFunction(
        () => document.getElementById('cache-note')!.textContent!.startsWith('weights you pick'),
        null,
        { timeout: 10_000 },
      );
      expect(await page.textContent('#cache-note')).toBe(
        `weights you pick are not kept in this browser: the storage quota is exceeded (${size(weights)} to keep, 1 kB free)`,
      );
      expect(await picked(page)).toEqual([]);
      // No OPFS at all (an older browser): said at the start.
      const bare = await browser.newPage();
      try {
        const errors: string[] = [];
        bare.on('pageerror', (e) => errors.push(e.message));
        bare.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        await bare.addInitScript(() => delete (StorageManager.prototype as Partial<StorageManager>).getDirectory);
        await bare.goto(url);
        expect(await waitSettled(bare)).toBe('done');
        const note =
          'weights you pick are not kept in this browser: this browser has no origin private file system (OPFS)';
        expect(await bare.textContent('#cache-note')).toBe(note);
        expect(await after(bare, () => bare.setInputFiles('#weights-file', weights))).toBe('done');
        expect(bytes(await pageFeatures(bare)).equals(bytes(await nodeFeatures(SAMPLE, threads)))).toBe(true);
        expect(await bare.textContent('#cache-note')).toBe(note);
        expect(errors).toEqual([]);
      } finally {
        await bare.close();
      }
    });

    it('no console errors', () => {
      expect(problems).toEqual([]);
    });
  },
);

/** The picks the page's weights chooser offers: each option's sha256 (its value) and label. */
async function picked(page: Page): Promise<{ sha: string; text: string }[]> {
  return page.$$eval('#cached-weights option', (options) =>
    (options as HTMLOptionElement[]).filter((o) => o.value).map((o) => ({ sha: o.value, text: o.text })),
  );
}

/** Waits until the chooser's first pick is `sha` (picks are kept after the engine's `loaded`). */
async function newestPick(page: Page, sha: string): Promise<void> {
  await page.waitForFunction(
    (s) => (document.querySelector('#cached-weights option:nth-child(2)') as HTMLOptionElement | null)?.value === s,
    sha,
    { timeout: 10_000 },
  );
}

/** What the page's OPFS store holds (its index and one folder per pick), sorted. */
async function opfsNames(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle('vggscope-picked-v1').catch(() => undefined);
    const names: string[] = [];
    if (dir) for await (const name of dir.keys()) names.push(name);
    return names.sort();
  });
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A file's sha256, or a tfjs folder's: the sha256 of `sha256sum *` in it (files by name). */
function shaOf(path: string): string {
  if (!path.endsWith('-tfjs')) return sha256(readFileSync(path));
  const names = readdirSync(path).sort();
  return sha256(names.map((n) => `${sha256(readFileSync(join(path, n)))}  ${n}\n`).join(''));
}

function statSize(path: string): number {
  if (!path.endsWith('-tfjs')) return readFileSync(path).length;
  return readdirSync(path).reduce((n, f) => n + readFileSync(join(path, f)).length, 0);
}

/** The chooser's size label: decimal kB under a megabyte, else MB with one decimal. */
function size(path: string): string {
  const n = statSize(path);
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} kB`;
}

function flipMiddleBit(b: Buffer): Buffer {
  const c = Buffer.from(b);
  c[c.length >> 1]! ^= 1;
  return c;
}
