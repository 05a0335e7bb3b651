// Entry point of the SIMD kernels module: one `work` loop shared by every thread of a team.
// The control block layout is mirrored in src/simd/control-block.ts.
import { denseDataJob, maxPoolBackwardJob, reluBackwardJob, winogradOutputLinearJob } from './backward';
import { gemmJob } from './gemm';
import { im2colJob } from './im2col';
import { maxPoolJob } from './max-pool';
import { winogradFusedJob } from './winograd-fused';
import { winogradInputJob } from './winograd-input';
import { winogradOutputJob } from './winograd-output';
import { winogradWeightsJob } from './winograd-weights';

const OP_GEMM = 1;
const OP_WINOGRAD_INPUT = 2;
const OP_WINOGRAD_OUTPUT = 3;
const OP_IM2COL = 4;
const OP_MAX_POOL = 5;
const OP_WINOGRAD_WEIGHTS = 6;
const OP_WINOGRAD_FUSED = 7;
const OP_WINOGRAD_OUTPUT_LINEAR = 8;
const OP_RELU_BACKWARD = 9;
const OP_MAX_POOL_BACKWARD = 10;
const OP_DENSE_DATA = 11;

/**
 * Takes jobs of the current op from the shared counter until none is left, so a thread slowed
 * down by another process simply takes fewer jobs. `scratch`: this thread's own 4 KiB.
 */
export function work(ctrl: usize, scratch: usize): void {
  const op = load<i32>(ctrl, 16);
  const jobs = load<i32>(ctrl, 20);
  while (true) {
    const j = atomic.add<i32>(ctrl + 8, 1);
    if (j >= jobs) break;
    if (op == OP_GEMM) gemmJob(ctrl, j);
    else if (op == OP_WINOGRAD_INPUT) winogradInputJob(ctrl, j, scratch);
    else if (op == OP_WINOGRAD_OUTPUT) winogradOutputJob(ctrl, j, scratch);
    else if (op == OP_IM2COL) im2colJob(ctrl, j);
    else if (op == OP_MAX_POOL) maxPoolJob(ctrl, j);
    else if (op == OP_WINOGRAD_FUSED) winogradFusedJob(ctrl, j, scratch);
    else if (op == OP_WINOGRAD_WEIGHTS) winogradWeightsJob(ctrl, j, scratch);
    else if (op == OP_WINOGRAD_OUTPUT_LINEAR) winogradOutputLinearJob(ctrl, j, scratch);
    else if (op == OP_RELU_BACKWARD) reluBackwardJob(ctrl, j);
    else if (op == OP_MAX_POOL_BACKWARD) maxPoolBackwardJob(ctrl, j);
    else if (op == OP_DENSE_DATA) denseDataJob(ctrl, j);
    else unreachable();
  }
}
