import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';

/** Imports of every non-test source file of a package. */
function importsOf(pkg: string): { file: string; spec: string }[] {
  const dir = join(REPO_ROOT, 'packages', pkg, 'src');
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('test-'),
  );
  return files.flatMap((file) =>
    [
      ...readFileSync(join(dir, file), 'utf8').matchAll(
        /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
      ),
    ].map((m) => ({
      file: `${pkg}/${file}`,
      spec: m[1] ?? m[2]!,
    })),
  );
}

describe('architecture: one-way dependencies', () => {
  it('core imports no tfjs, no piscina, no jimp and no other vggscope package', () => {
    const bad = importsOf('core').filter((i) => /^(@tensorflow\/|piscina|jimp|@vggscope\/)/.test(i.spec));
    expect(bad).toEqual([]);
  });

  it('kernels depends on core only; viz on core only; nothing imports cli', () => {
    const vgg = (pkg: string) =>
      importsOf(pkg)
        .filter((i) => i.spec.startsWith('@vggscope/'))
        .map((i) => i.spec);
    expect(new Set(vgg('kernels'))).toEqual(new Set(['@vggscope/core']));
    expect(vgg('viz').every((s) => s === '@vggscope/core')).toBe(true);
    expect(
      ['core', 'kernels', 'viz'].flatMap((p) => importsOf(p)).filter((i) => i.spec.includes('@vggscope/cli')),
    ).toEqual([]);
  });

  it('queue depends on core and kernels only, and only cli imports it', () => {
    const vgg = importsOf('queue')
      .filter((i) => i.spec.startsWith('@vggscope/'))
      .map((i) => i.spec);
    expect(new Set(vgg)).toEqual(new Set(['@vggscope/core', '@vggscope/kernels/pool']));
    expect(
      ['core', 'kernels', 'viz'].flatMap((p) => importsOf(p)).filter((i) => i.spec.includes('@vggscope/queue')),
    ).toEqual([]);
  });

  it('only kernels imports tfjs', () => {
    const users = ['core', 'viz', 'cli', 'queue']
      .flatMap((p) => importsOf(p))
      .filter((i) => i.spec.includes('@tensorflow/'));
    expect(users).toEqual([]);
    expect(importsOf('kernels').some((i) => i.spec === '@tensorflow/tfjs-core')).toBe(true);
  });
});
