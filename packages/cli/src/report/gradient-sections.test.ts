import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyWeights } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { runCaptured } from '../testdata/test-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'report-gradients-'));

describe('report --saliency / --patterns', () => {
  it('adds a Gradients section: one saliency figure and eight filter patterns', async () => {
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
    const section = html.slice(html.indexOf('<section id="gradients">'));
    expect(html).toContain('<a href="#gradients">Gradients</a>');
    expect(section.slice(0, section.indexOf('</section>')).match(/data:image\/png;base64,/g)).toHaveLength(9);
    expect(section).toMatch(/Saliency \(vanilla\)/);
    expect(section).toMatch(/block2_conv1 filter 7/);
  });

  it('without them the page has no Gradients section; a bad --saliency is a usage error', async () => {
    const weights = await tinyWeights('vgg16', 'h5', { includeTop: true });
    const dir = tmp();
    expect((await runCaptured(['report', '--model', 'tiny-vgg16', '--weights', weights, '--out', dir])).code).toBe(0);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).not.toContain('id="gradients"');
    await expect(runCaptured(['report', '--saliency', 'lime'])).rejects.toThrow(
      /--saliency must be vanilla, smoothgrad/,
    );
  });
});
