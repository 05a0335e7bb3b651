import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyWeights } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { runCaptured } from '../testdata/test-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'report-gradients-'));

describe('report --saliency / --patterns', () => {
  it('adds a Gradients section per image (saliency) and one Filter patterns section (eight patterns)', async () => {
    const weights = await tinyWeights('vgg16', 'h5', { includeTop: true });
    const dir = tmp();
    const r = await runCaptured([
      'report',
      '--model',
      'tiny-vgg16',
      '--weights',
      weights,
      '--saliency',
      'vanilla',
      '--patterns',
      'block2_conv1',
      '--out',
      dir,
    ]);
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const sectionOf = (id: string) => {
      const from = html.slice(html.indexOf(`<section id="${id}">`));
      return from.slice(0, from.indexOf('</section>'));
    };
    expect(html).toContain('<a href="#gradients">Gradients</a>');
    expect(html).toContain('<a href="#patterns">Filter patterns</a>');
    expect(sectionOf('gradients').match(/data:image\/png;base64,/g)).toHaveLength(1);
    expect(sectionOf('gradients')).toMatch(/Saliency \(vanilla\)/);
    expect(sectionOf('patterns').match(/data:image\/png;base64,/g)).toHaveLength(8);
    expect(sectionOf('patterns')).toMatch(/block2_conv1 filter 7/);
  });

  it('without them the page has no Gradients section; a bad --saliency is a usage error', async () => {
    const weights = await tinyWeights('vgg16', 'h5', { includeTop: true });
    const dir = tmp();
    expect((await runCaptured(['report', '--model', 'tiny-vgg16', '--weights', weights, '--out', dir])).code).toBe(0);
    const page = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(page).not.toContain('id="gradients"');
    expect(page).not.toContain('id="patterns"');
    await expect(runCaptured(['report', '--saliency', 'lime'])).rejects.toThrow(
      /--saliency must be vanilla, smoothgrad/,
    );
  });
});
