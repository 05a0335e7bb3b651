import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, skipNote, tinyWeights } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { loadImg } from '@vggscope/image';
import { rgbToRgba, writePng } from '@vggscope/viz';
import { runCaptured } from '../testdata/test-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'report-'));

/** Debian's chromium (apt-get install chromium); nothing here downloads a browser. */
const CHROMIUM = '/usr/bin/chromium';
const playwright = await import('playwright-core').catch(() => undefined);
const NO_BROWSER = !existsSync(CHROMIUM)
  ? `${CHROMIUM} not installed (apt-get install chromium)`
  : !playwright
    ? 'playwright-core not installed (npm ci)'
    : '';
/** Screenshots land here (git-ignored) for people to look at. */
export const ARTIFACTS = join(REPO_ROOT, 'tmp', 'test-artifacts', 'report');

async function writeReport(args: string[] = []): Promise<string> {
  const dir = tmp();
  const r = await runCaptured([
    'report',
    '--model',
    'tiny-vgg16',
    '--weights',
    await tinyWeights('vgg16', 'h5', { includeTop: true }),
    '--out',
    dir,
    ...args,
  ]);
  expect(r.code, r.err).toBe(0);
  return join(dir, 'report.html');
}

describe('cli report', () => {
  it('one self-contained page: every figure inlined, nothing fetched, the tables and sections present', async () => {
    const html = readFileSync(await writeReport(), 'utf8');
    const srcs = [...html.matchAll(/<img src="([^"]{0,30})/g)].map((m) => m[1]!);
    expect(srcs).toHaveLength(9); // input, grad-cam, filters, block1_conv1 maps, five blocks
    expect(srcs.every((s) => s.startsWith('data:image/png;base64,'))).toBe(true);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain('<script');
    expect(html).toContain("default-src 'none'");
    for (const id of [
      'summary-table',
      'sizes-table',
      'predictions-table',
      'grad-cam',
      'filters-block1_conv1',
      'maps-block1_conv1',
      'maps-block5_conv3',
      'input-image',
    ])
      expect(html, id).toContain(`id="${id}"`);
    expect(html).toMatch(/<dt>md5<\/dt><dd><code>[0-9a-f]{32}<\/code> \(tiny-vgg16-top-s7\.h5\)/);
    expect(html).toContain('prefers-color-scheme: dark');
  });

  it('two --image: one section per image (its own input, predictions, Grad-CAM and maps), nothing dropped', async () => {
    const dir = tmp();
    const second = join(dir, 'flipped.png');
    const png = await loadImg(join(REPO_ROOT, 'packages/cli/assets/chelsea.png'), [40, 60]);
    await writePng(second, rgbToRgba(png));
    const page = await writeReport(['--image', join(REPO_ROOT, 'packages/cli/assets/chelsea.png'), '--image', second]);
    const html = readFileSync(page, 'utf8');
    expect(html).toContain('<h1>tiny-vgg16 on 2 images</h1>');
    expect(html).toMatch(/<section id="image-1"><h2>Image 1: <code>chelsea\.png<\/code><\/h2>/);
    expect(html).toMatch(/<section id="image-2"><h2>Image 2: <code>flipped\.png<\/code><\/h2>/);
    for (const k of [1, 2])
      for (const id of ['input-image', 'predictions-table', 'grad-cam', 'maps-block1_conv1', 'maps-block5_conv3'])
        expect(html, `${id}-${k}`).toContain(`id="${id}-${k}"`);
    expect([...html.matchAll(/<img /g)]).toHaveLength(1 + 2 * 8); // the filters once, then 8 per image
    expect(html).toContain(second);
  });

  it('--out is checked before the weights are read: a regular file as --out is E_OUTPUT (EEXIST), exit 6', async () => {
    const file = join(tmp(), 'taken');
    writeFileSync(file, 'x');
    const err = await runCaptured(['report', '--weights', '/nonexistent/weights.h5', '--out', file]).catch(
      (e: { code: string; message: string }) => e,
    );
    expect(err).toMatchObject({ code: 'E_OUTPUT' });
    expect((err as { message: string }).message).toContain('(EEXIST)');
  });

  it('no-top weights: no predictions, no Grad-CAM, and the page says why', async () => {
    const dir = tmp();
    const r = await runCaptured([
      'report',
      '--model',
      'tiny-vgg16',
      '--weights',
      await tinyWeights('vgg16', 'h5'),
      '--out',
      dir,
    ]);
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).not.toContain('id="predictions-table"');
    expect(html).toContain('has no top (fc1, fc2, predictions): the page has no predictions and no Grad-CAM.');
    expect([...html.matchAll(/<img /g)]).toHaveLength(8);
  });
});

describe.skipIf(NO_BROWSER !== '')(`the report in headless Chromium${skipNote(NO_BROWSER !== '', NO_BROWSER)}`, () => {
  it('laptop and phone, light and dark: no console errors, every image decoded, tables present; screenshots saved', async () => {
    const page = await writeReport();
    const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    const context = await playwright!.chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      offline: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const views = [
        { name: 'laptop-light', viewport: { width: 1280, height: 800 }, colorScheme: 'light' as const },
        { name: 'laptop-dark', viewport: { width: 1280, height: 800 }, colorScheme: 'dark' as const },
        { name: 'phone-light', viewport: { width: 390, height: 844 }, colorScheme: 'light' as const },
        { name: 'phone-dark', viewport: { width: 390, height: 844 }, colorScheme: 'dark' as const },
      ];
      for (const v of views) {
        const tab = await context.newPage();
        const problems: string[] = [];
        tab.on(
          'console',
          (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`${m.type()}: ${m.text()}`),
        );
        tab.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        tab.on(
          'request',
          (r) => !r.url().startsWith('file:') && !r.url().startsWith('data:') && problems.push(`request: ${r.url()}`),
        );
        await tab.setViewportSize(v.viewport);
        await tab.emulateMedia({ colorScheme: v.colorScheme });
        await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
        const images = await tab.$$eval('img', (imgs) =>
          imgs.map((i) => ({
            alt: i.alt,
            complete: i.complete,
            w: i.naturalWidth,
            shown: i.getBoundingClientRect().width,
          })),
        );
        expect(images).toHaveLength(9);
        for (const i of images) {
          expect(i.complete && i.w > 0, `${v.name}: ${i.alt} decoded`).toBe(true);
          expect(i.shown, `${v.name}: ${i.alt} fits the viewport`).toBeLessThanOrEqual(v.viewport.width);
        }
        expect(await tab.$$eval('table', (t) => t.map((x) => x.id))).toEqual([
          'predictions-table',
          'summary-table',
          'sizes-table',
        ]);
        expect(await tab.$$eval('#summary-table tbody tr', (r) => r.length)).toBe(23); // VGG16 with top: input_1, 18 feature layers, flatten, fc1, fc2, predictions
        // Nothing but the tables' own scroll boxes may be wider than a phone. (Strings: the repo's TS has no DOM types.)
        expect(
          await tab.evaluate<number>('document.documentElement.scrollWidth'),
          `${v.name}: no horizontal page scroll`,
        ).toBeLessThanOrEqual(v.viewport.width);
        const bg = await tab.evaluate<string>('getComputedStyle(document.body).backgroundColor');
        expect(bg, v.name).toBe(v.colorScheme === 'dark' ? 'rgb(21, 22, 27)' : 'rgb(251, 251, 253)');
        await tab.screenshot({ path: join(ARTIFACTS, `${v.name}.png`) });
        await tab.screenshot({ path: join(ARTIFACTS, `${v.name}-full.png`), fullPage: true });
        expect(problems, v.name).toEqual([]);
        await tab.close();
      }
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
