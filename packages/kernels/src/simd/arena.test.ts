import { describe, expect, it } from 'vitest';
import { Arena } from './arena.js';
import { ARENA_BASE } from './control-block.js';

const PAGE = 65536;

describe('arena', () => {
  it('calls beforeGrow (the team flush) before every memory growth, and only then', () => {
    const memory = new WebAssembly.Memory({ initial: ARENA_BASE / PAGE + 1, maximum: ARENA_BASE / PAGE + 64 });
    const grown: number[] = [];
    const arena = new Arena(memory, (ARENA_BASE / PAGE + 64) * PAGE, () => grown.push(memory.buffer.byteLength));
    arena.alloc(PAGE / 2, 'fits the first page');
    expect(grown).toEqual([]);
    arena.alloc(4 * PAGE, 'needs more pages');
    expect(grown).toEqual([ARENA_BASE + PAGE]); // called while the memory still had its old size
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(ARENA_BASE + 4.5 * PAGE);
  });
});
