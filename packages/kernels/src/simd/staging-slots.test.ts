import { describe, expect, it } from 'vitest';
import { Arena } from './arena.js';
import { ARENA_BASE } from './control-block.js';
import { StagingSlots } from './staging-slots.js';

const MiB = 2 ** 20;

function arena(): Arena {
  const memory = new WebAssembly.Memory({ initial: ARENA_BASE / 65536, maximum: ARENA_BASE / 65536 + 1024 });
  return new Arena(memory, memory.buffer.byteLength + 1024 * 65536);
}

describe('staging slots', () => {
  it('reuse one block per slot layer after layer: one being read, one being transformed', () => {
    const a = arena();
    const slots = new StagingSlots(a);
    const first = slots.take(0.5 * MiB, 'block1_conv2 kernel');
    const second = slots.take(1 * MiB, 'block2_conv1 kernel'); // the first is still being transformed
    expect(second.ptr).not.toBe(first.ptr);
    expect(a.allocated).toBe(32 * MiB); // two 16 MiB slots: every VGG kernel (≤ 9 MiB) fits one
    first.release();
    expect(slots.take(9 * MiB, 'block4_conv2 kernel').ptr).toBe(first.ptr);
    second.release();
    expect(slots.take(2 * MiB, 'block3_conv1 kernel').ptr).toBe(second.ptr);
    expect(a.allocated).toBe(32 * MiB);
  });

  it('a kernel larger than a slot gets a block of its size; free() gives every block back', () => {
    const a = arena();
    const slots = new StagingSlots(a);
    const big = slots.take(20 * MiB, 'a wide layer');
    big.release();
    slots.take(1 * MiB, 'next').release();
    expect(a.allocated).toBe(20 * MiB); // the free 20 MiB block served the small kernel too
    slots.free();
    expect(a.allocated).toBe(0);
  });
});
