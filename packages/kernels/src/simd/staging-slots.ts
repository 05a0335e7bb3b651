import type { Arena } from './arena.js';

/** A block the weights reader may fill; `release` hands it back once the transform has read it. */
export interface StagedBlock {
  readonly ptr: number;
  release(): void;
}

/** Every VGG kernel (at most 3·3·512·512 floats, 9 MiB) fits one slot of this size. */
const MIN_SLOT_BYTES = 16 * 2 ** 20;

/**
 * The arena blocks packed kernels are read into: one is read into while the previous layer's
 * Winograd transform still reads the other on the workers, so two are in use at most. Reused
 * layer after layer, their pages are faulted in once (a fresh block per layer added ~50 MB of
 * page faults to a VGG16 cold start), and `free` before the first pass leaves them to its activations.
 */
export class StagingSlots {
  private readonly slots: { ptr: number; bytes: number; busy: boolean }[] = [];

  constructor(private readonly arena: Arena) {}

  take(bytes: number, what: string): StagedBlock {
    let slot = this.slots.find((s) => !s.busy && s.bytes >= bytes);
    if (!slot) {
      const size = Math.max(bytes, MIN_SLOT_BYTES);
      slot = { ptr: this.arena.alloc(size, what), bytes: size, busy: false };
      this.slots.push(slot);
    }
    slot.busy = true;
    const taken = slot;
    return { ptr: taken.ptr, release: () => void (taken.busy = false) };
  }

  /** Gives every slot back to the arena (none may be in use: the team is flushed, staged reads consumed). */
  free(): void {
    for (const s of this.slots) this.arena.release(s.ptr);
    this.slots.length = 0;
  }
}
