/**
 * Child process of the weight-loading benchmark: loads one weights file once, as a CLI run would
 * (fresh process, page cache warm), and prints the milliseconds from before the loader's modules
 * are imported to the weights being in memory. Usage: node load-once.js <h5|packed|raw> <path>
 */
const [kind, path] = process.argv.slice(2) as ['h5' | 'packed' | 'raw', string];
const t0 = performance.now();
let bytes = 0;
if (kind === 'raw') {
  // The floor: the same positioned reads into fresh buffers, no format parsing.
  const { closeSync, openSync, readSync } = await import('node:fs');
  const { readPackedHeader } = await import('@vggscope/weights');
  const fd = openSync(path, 'r');
  for (const t of (await readPackedHeader(path)).tensors)
    bytes += readSync(fd, new Uint8Array(t.byteLength), 0, t.byteLength, t.offset);
  closeSync(fd);
} else {
  const { buildGraph } = await import('@vggscope/core');
  const { loadWeights } = await import('@vggscope/weights');
  const only = process.argv[4] ? new Set(process.argv[4].split(',')) : undefined;
  bytes = (await loadWeights(path, buildGraph('vgg16'), { only })).bytesRead;
}
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, bytes }));
