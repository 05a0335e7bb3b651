import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, BACKENDS, createBackend } from './backends.js';

const sources = (dir: string) =>
  (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(dir, f));

describe('the backend table', () => {
  it('core names no backend: no backend name or runtime appears in its sources', () => {
    const core = sources(join(REPO_ROOT, 'packages/core/src'));
    // 'tfjs' alone is a weights format (tfjs folders), which core reads; its runtimes are not.
    const words = [
      ...BACKEND_NAMES.filter((n) => n !== 'reference'),
      'tfjs-core',
      'tfjs-backend',
      'xnnpack',
      'piscina',
    ];
    const hits = core.flatMap((f) => {
      const text = readFileSync(f, 'utf8').toLowerCase();
      return words.filter((w) => text.includes(w)).map((w) => `${f}: ${w}`);
    });
    expect(hits).toEqual([]);
  });

  it('each backend lives in its own folder, named after it', () => {
    const folders = readdirSync(join(REPO_ROOT, 'packages/kernels/src'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    for (const name of BACKEND_NAMES) expect(folders, name).toContain(name);
  });

  it.each(BACKEND_NAMES)('%s: the factory makes an instance that reports itself and closes', async (name) => {
    const b = await createBackend(name, { threads: 1 });
    expect(b.name).toBe(name);
    expect(b.threads).toBeGreaterThanOrEqual(1);
    await b.close();
    expect(BACKENDS[name].summary.length).toBeGreaterThan(10);
  });

  it('an unknown name is a usage error listing the known ones, with the CLI hint', async () => {
    await expect(createBackend('cuda')).rejects.toMatchObject({
      code: 'E_USAGE',
      message: `unknown backend 'cuda'; use one of: ${BACKEND_NAMES.join(', ')}`,
      hint: expect.stringContaining('--backend'),
    });
  });
});
