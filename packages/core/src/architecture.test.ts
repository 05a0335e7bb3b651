import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@vggscope/test-utils';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The dependency rule, as data: which workspace packages each package's shipped sources may import.
 * `cli` may import any package (but no tool); `core` imports nothing at all, not even `node:*`.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  image: ['core'],
  io: ['core'],
  platform: ['core'],
  weights: ['core', 'io', 'platform'],
  explain: ['core', 'image', 'weights'],
  kernels: ['core', 'weights', 'image', 'platform'],
  queue: ['core', 'io', 'image', 'weights', 'kernels', 'platform'],
  viz: ['core', 'io'],
  web: ['core', 'io', 'image', 'weights', 'explain', 'kernels', 'platform', 'viz'],
  cli: ['core', 'io', 'image', 'weights', 'explain', 'kernels', 'queue', 'viz', 'platform', 'web'],
};

/** Packages whose shipped sources may import only what the platform gives every JavaScript runtime. */
const NO_NODE_BUILTINS = new Set(['core']);

/** Npm packages a package's shipped sources may import, beyond workspace packages and `node:*`. */
const NPM_ONLY_IN: Record<string, string> = {
  '@tensorflow/': 'kernels',
  piscina: 'kernels',
  jimp: 'viz',
  h5wasm: 'weights',
  '@cwasm/': 'image',
  '@saschazar/': 'image',
  pngjs: 'image',
  pako: 'image',
};

/**
 * The one rule for what is test code: a `*.test.ts` file, or anything under a `testdata/` folder
 * (test helpers, fuzz workers, data). Build configs exclude exactly these, so none ships.
 */
export function isTestPath(path: string): boolean {
  return /\.test\.ts$/.test(path) || /(^|\/)testdata\//.test(path);
}

interface Import {
  readonly file: string;
  readonly spec: string;
}

/** Imports of every shipped (non-test) source file under `dir`. */
function importsIn(dir: string, label: string): Import[] {
  const files = (readdirSync(dir, { recursive: true }) as string[])
    .map((f) => f.split('\\').join('/'))
    .filter((f) => f.endsWith('.ts') && !isTestPath(f));
  return files.flatMap((file) =>
    [
      ...readFileSync(join(dir, file), 'utf8').matchAll(
        /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
      ),
    ].map((m) => ({ file: `${label}/${file}`, spec: m[1] ?? m[2]! })),
  );
}

/** Every import that breaks the table, as `file → spec (why)`. */
export function violations(srcRoot: (pkg: string) => string): string[] {
  const out: string[] = [];
  for (const [pkg, allowed] of Object.entries(MAY_IMPORT)) {
    for (const { file, spec } of importsIn(srcRoot(pkg), pkg)) {
      const workspace = spec.match(/^@vggscope\/([^/]+)/)?.[1];
      if (workspace && workspace !== pkg && !allowed.includes(workspace))
        out.push(`${file} → ${spec} (${pkg} may import: ${allowed.join(', ') || 'nothing'})`);
      if (NO_NODE_BUILTINS.has(pkg) && spec.startsWith('node:')) out.push(`${file} → ${spec} (${pkg} runs anywhere)`);
      if (NO_NODE_BUILTINS.has(pkg) && !workspace && !spec.startsWith('.') && !spec.startsWith('node:'))
        out.push(`${file} → ${spec} (${pkg} has no npm dependency)`);
      for (const [prefix, owner] of Object.entries(NPM_ONLY_IN))
        if (spec.startsWith(prefix) && pkg !== owner && pkg !== 'cli')
          out.push(`${file} → ${spec} (only ${owner} imports ${prefix})`);
    }
  }
  return out;
}

const srcOf = (pkg: string) => join(REPO_ROOT, 'packages', pkg, 'src');

describe('architecture: the dependency table', () => {
  it('every shipped source file imports only what the table allows', () => {
    expect(violations(srcOf)).toEqual([]);
  });

  it('the table covers every package in packages/', () => {
    const pkgs = readdirSync(join(REPO_ROOT, 'packages')).filter((p) => !p.startsWith('.'));
    expect(pkgs.sort()).toEqual(Object.keys(MAY_IMPORT).sort());
  });

  it('core has no npm dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/core/package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  describe('a forbidden import is caught', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'vggscope-arch-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));
    // A copy of the tree where one file adds a forbidden import: the same check must name it.
    const planted = (pkg: string, line: string) => {
      const root = join(tmp, `${pkg}-${Math.random().toString(36).slice(2)}`);
      for (const p of Object.keys(MAY_IMPORT)) mkdirSync(join(root, p), { recursive: true });
      writeFileSync(join(root, pkg, 'planted.ts'), `${line}\nexport const x = 1;\n`);
      return violations((p) => join(root, p));
    };

    it('core importing node:fs', () => {
      expect(planted('core', "import { readFileSync } from 'node:fs';")).toEqual([
        'core/planted.ts → node:fs (core runs anywhere)',
      ]);
    });
    it('core importing an npm package', () => {
      expect(planted('core', "import { PNG } from 'pngjs';")[0]).toMatch(/core has no npm dependency/);
    });
    it('image importing weights', () => {
      expect(planted('image', "import { openWeights } from '@vggscope/weights';")).toEqual([
        'image/planted.ts → @vggscope/weights (image may import: core)',
      ]);
    });
    it('viz importing tfjs', () => {
      expect(planted('viz', "import * as tf from '@tensorflow/tfjs-core';")).toEqual([
        'viz/planted.ts → @tensorflow/tfjs-core (only kernels imports @tensorflow/)',
      ]);
    });
    it('a test file or a testdata helper may import anything', () => {
      const root = join(tmp, 'tests');
      for (const p of Object.keys(MAY_IMPORT)) mkdirSync(join(root, p, 'testdata'), { recursive: true });
      writeFileSync(join(root, 'core', 'x.test.ts'), "import { readFileSync } from 'node:fs';\n");
      writeFileSync(join(root, 'core', 'testdata', 'helper.ts'), "import '@vggscope/cli';\n");
      expect(violations((p) => join(root, p))).toEqual([]);
    });
  });

  it('test code is excluded from every build by the same rule', () => {
    for (const pkg of Object.keys(MAY_IMPORT)) {
      const cfg = JSON.parse(readFileSync(join(REPO_ROOT, 'packages', pkg, 'tsconfig.build.json'), 'utf8'));
      expect(cfg.exclude, pkg).toEqual(['src/**/*.test.ts', 'src/**/testdata/**']);
    }
    expect(isTestPath('simd/testdata/simd-test-data.ts')).toBe(true);
    expect(isTestPath('weights/test-hostile.ts')).toBe(false);
  });
});
