export { queueErrors } from './errors.js';
export {
  canonicalConfig,
  queueModelConfig,
  planRun,
  shardItems,
  type QueueModelConfig,
  type RunPlan,
  type ShardItem,
  type ShardJob,
} from './plan.js';
export { CONNECT_TIMEOUT_MS, probeRedis, redisOptions, type RedisInfo } from './redis.js';
export { QUEUE_NAME, RunStore, type RunMeta, type ShardRecord } from './run-store.js';
export { DEFAULT_SHARD_SIZE, submitRun, type SubmitOptions, type SubmitResult } from './submit.js';
export { runShard, shardIndexPath, type RunShardOptions, type ShardOutcome } from './shard-runner.js';
export { mergeRun, type MergeResult } from './merge.js';
export { QueueWorker, type QueueWorkerOptions } from './queue-worker.js';
export { activeShards, failureCode, mergeQueuedRun, runStatus, type RunStatus } from './status.js';
export { cancelRun, type CancelResult } from './cancel.js';
