// The weights the server offers: downloaded with progress, checked against the server's sha256, and
// kept in Cache Storage so that a second visit downloads nothing.

export interface ServerWeights {
  readonly name: string;
  readonly url: string;
  readonly model: string;
  readonly includeTop: boolean;
  readonly bytes: number;
  readonly sha256: string;
}

/** Bytes received so far, of `total` (0 when the server did not say). */
export type Progress = (got: number, total: number) => void;

async function fetchWithProgress(url: string, total: number, progress: Progress): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return readWithProgress(response.body, total, progress);
}

/**
 * A stream's bytes, in one buffer, reporting each chunk (a download, or a file read from OPFS).
 * With the expected `size` the buffer is allocated once, so a 500 MB file is not held twice.
 */
export async function readWithProgress(
  body: ReadableStream<Uint8Array>,
  total: number,
  progress: Progress,
  size = total,
): Promise<ArrayBuffer> {
  const reader = body.getReader();
  let out = new Uint8Array(size);
  let got = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    if (got + r.value.length > out.length) {
      const grown = new Uint8Array(Math.max(2 * out.length, got + r.value.length, 1 << 20));
      grown.set(out.subarray(0, got));
      out = grown;
    }
    out.set(r.value, got);
    got += r.value.length;
    progress(got, total);
  }
  return got === out.length ? out.buffer : out.slice(0, got).buffer;
}

const CACHE = 'vggscope-weights-v1';

/** The hex sha256 of the bytes (what `sha256sum` prints). */
export async function sha256(bytes: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The server's weights, from Cache Storage when a copy there has the server's sha256 (a second
 * visit downloads nothing), else downloaded with progress, checked, and cached.
 */
export async function cachedWeights(
  w: ServerWeights,
  progress: Progress,
): Promise<{ bytes: ArrayBuffer; from: 'cache' | 'network' }> {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(w.url);
  if (hit) {
    const bytes = await hit.arrayBuffer();
    if ((await sha256(bytes)) === w.sha256) return { bytes, from: 'cache' };
    await cache.delete(w.url); // stale or torn: fetch again
  }
  const bytes = await fetchWithProgress(w.url, w.bytes, progress);
  if ((await sha256(bytes)) !== w.sha256)
    throw Object.assign(new Error(`${w.name}: the download does not match the server's sha256; reload to try again`), {
      code: 'E_WEIGHTS_CHECKSUM',
    });
  await cache.put(w.url, new Response(bytes.slice(0), { headers: { 'Content-Type': 'application/octet-stream' } }));
  return { bytes, from: 'network' };
}
