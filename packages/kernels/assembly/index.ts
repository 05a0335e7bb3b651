// Entry point of the SIMD kernels module: one `work` loop shared by every thread of a team.
// The control block layout, op codes and argument words come from src/simd/abi.ts (generated
// into abi.generated.ts at build time).
import {
  ABI_HASH,
  OP_GEMM,
  OP_IM2COL,
  OP_MAX_POOL,
  OP_WINOGRAD2_INPUT,
  OP_WINOGRAD2_OUTPUT,
  OP_WINOGRAD2_WEIGHTS,
  OP_WINOGRAD6_FUSED,
  OP_WINOGRAD6_INPUT,
  OP_WINOGRAD6_OUTPUT,
  OP_WINOGRAD6_WEIGHTS,
  OP_WINOGRAD_FUSED,
  OP_WINOGRAD_INPUT,
  OP_WINOGRAD_OUTPUT,
  OP_WINOGRAD_WEIGHTS,
  OP_RELU_BACKWARD,
  OP_RELU_MASK,
  OP_MAX_POOL_BACKWARD,
  OP_DENSE_DATA,
  W_COUNTER,
  W_JOBS,
  W_OP,
} from './abi.generated';
import { denseDataJob, maxPoolBackwardJob, reluBackwardJob, reluMaskJob } from './backward';
import { gemmJob } from './gemm';
import { im2colJob } from './im2col';
import { maxPoolJob } from './max-pool';
import { winogradFusedJob, winogradInputJob, winogradOutputJob, winogradWeightsJob } from './winograd-jobs';

export { abiValue } from './abi.generated';

/** The hash of the ABI this module was built from (team.ts refuses a build that differs from abi.ts). */
export function abiHash(): u32 {
  return ABI_HASH;
}

/** Pages of memory this instance sees (a worker's failure message reports it: a stale size would show there). */
export function memoryPages(): i32 {
  return memory.size();
}

/**
 * Takes jobs of the current op from the shared counter until none is left, so a thread slowed
 * down by another process simply takes fewer jobs. `scratch`: this thread's own scratch area.
 */
export function work(ctrl: usize, scratch: usize): void {
  const op = load<i32>(ctrl + ((<usize>W_OP) << 2));
  const jobs = load<i32>(ctrl + ((<usize>W_JOBS) << 2));
  const counter = ctrl + ((<usize>W_COUNTER) << 2);
  while (true) {
    const j = atomic.add<i32>(counter, 1);
    if (j >= jobs) break;
    if (op == OP_GEMM) gemmJob(ctrl, j);
    else if (op == OP_WINOGRAD_INPUT) winogradInputJob(ctrl, j, scratch, 4);
    else if (op == OP_WINOGRAD_OUTPUT) winogradOutputJob(ctrl, j, scratch, 4);
    else if (op == OP_IM2COL) im2colJob(ctrl, j);
    else if (op == OP_MAX_POOL) maxPoolJob(ctrl, j);
    else if (op == OP_WINOGRAD_FUSED) winogradFusedJob(ctrl, j, scratch, 4);
    else if (op == OP_WINOGRAD_WEIGHTS) winogradWeightsJob(ctrl, j, scratch, 4);
    else if (op == OP_WINOGRAD2_INPUT) winogradInputJob(ctrl, j, scratch, 2);
    else if (op == OP_WINOGRAD2_OUTPUT) winogradOutputJob(ctrl, j, scratch, 2);
    else if (op == OP_WINOGRAD2_WEIGHTS) winogradWeightsJob(ctrl, j, scratch, 2);
    else if (op == OP_WINOGRAD6_INPUT) winogradInputJob(ctrl, j, scratch, 6);
    else if (op == OP_WINOGRAD6_OUTPUT) winogradOutputJob(ctrl, j, scratch, 6);
    else if (op == OP_WINOGRAD6_WEIGHTS) winogradWeightsJob(ctrl, j, scratch, 6);
    else if (op == OP_WINOGRAD6_FUSED) winogradFusedJob(ctrl, j, scratch, 6);
    else if (op == OP_RELU_BACKWARD) reluBackwardJob(ctrl, j);
    else if (op == OP_RELU_MASK) reluMaskJob(ctrl, j);
    else if (op == OP_MAX_POOL_BACKWARD) maxPoolBackwardJob(ctrl, j);
    else if (op == OP_DENSE_DATA) denseDataJob(ctrl, j);
    else unreachable();
  }
}
