import { VggError } from '@vggscope/core';
import type { WasmModule } from './wasm.js';

/**
 * The platform seam: everything the engine needs from the JavaScript runtime it runs in, behind
 * one small interface with two implementations — `node.ts` (Node, Deno and Bun, through their
 * `node:` modules) and `web.ts` (browsers and web-standard runtimes). The package's export map
 * picks one: the `browser` condition gets the web one, every other runtime the Node one.
 */
export interface Platform {
  readonly name: 'node' | 'web';
  /** Logical processors this process may use (`os.availableParallelism()`, `navigator.hardwareConcurrency`). */
  cores(): number;
  /**
   * Why this thread cannot run a thread team (no shared memory — a page that is not cross-origin
   * isolated —, or a thread that may not block in `Atomics.wait`, like a browser's main thread),
   * or `undefined` when it can.
   */
  whyNoThreads(): string | undefined;
  /** Whether `SharedArrayBuffer` and shared wasm memories exist (browsers: only when cross-origin isolated). */
  sharedMemory(): boolean;
  /** Starts a worker running `body`, the source of a `(data, post) => void` function, given `data` first. */
  startWorker(body: string, data: unknown): PlatformWorker;
  /** The bytes of `request.file`, from a registered asset or the first of its places that has it. */
  readAsset(request: AssetRequest): Promise<Uint8Array>;
  /** Turns relaxed SIMD on where the engine hides it behind a flag (V8 11 in Node 20); a no-op elsewhere. */
  enableRelaxedSimd(): void;
  /**
   * Whether readers reach files by path and may isolate a parser in a worker file (Node, Deno, Bun).
   * Where not (a browser: paths name bytes the page holds, and there are no worker files), a reader
   * runs its parser in the calling thread on the file's bytes — the page calls it from its engine
   * worker — e.g. the HDF5 reader copies them into h5wasm's in-memory file system.
   */
  readonly filePaths: boolean;
}

/** A started worker: `ready` settles on its first message (or its failure). */
export interface PlatformWorker {
  readonly ready: Promise<void>;
  terminate(): Promise<void>;
}

/** A file the engine ships (a `.wasm` build), and where to look for it. */
export interface AssetRequest {
  readonly file: string;
  /** Folders to look in, in order, e.g. the package's `wasm/` folder, then beside the running module (a bundle). */
  readonly places: readonly URL[];
  /** An environment variable naming a folder looked in first (runtimes with an environment). */
  readonly envDir?: string;
  /** Who asks, for the message when nothing is found (`simd backend`). */
  readonly owner: string;
  /** How to fix a missing file. */
  readonly hint: string;
}

/** What a caller registered for a file name: its bytes, a URL to fetch, or a module compiled ahead of time. */
export type ProvidedAsset = Uint8Array | ArrayBuffer | URL | string | WasmModule;

const provided = new Map<string, ProvidedAsset>();

/**
 * Registers a file the engine would otherwise look for: bytes, a URL (a page whose `.wasm` files
 * live elsewhere), or an already compiled `WasmModule` (runtimes that forbid compiling at
 * run time, like Cloudflare's workerd, import the module instead).
 * @example provideAsset('vggscope-simd.wasm', compiledModule) // before createSimdBackend({ fma: false })
 */
export function provideAsset(file: string, asset: ProvidedAsset): void {
  provided.set(file, asset);
}

/** The registered asset for `file`, if any. */
export function providedAsset(file: string): ProvidedAsset | undefined {
  return provided.get(file);
}

/** The error every implementation raises when a shipped file is nowhere to be found. */
export function assetNotFound(request: AssetRequest, looked: readonly string[]): VggError {
  return new VggError(
    'E_INTERNAL',
    `${request.owner}: ${request.file} not found (looked in ${looked.join(', ')}); ${request.hint}`,
  );
}

/** A folder path or URL as a folder URL (trailing slash), for `new URL(file, dir)`. */
export function folderUrl(dir: string | URL, base?: string | URL): URL {
  const href = typeof dir === 'string' ? dir : dir.href;
  return new URL(href.endsWith('/') ? href : `${href}/`, base);
}

/** Bytes of a registered asset that is not a compiled module (those are asked for with `providedAsset`). */
export async function bytesOf(asset: Uint8Array | ArrayBuffer | URL | string): Promise<Uint8Array> {
  if (asset instanceof Uint8Array) return asset;
  if (asset instanceof ArrayBuffer) return new Uint8Array(asset);
  const response = await fetch(asset);
  if (!response.ok) throw new Error(`GET ${String(asset)}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** True when the registered asset is a compiled module. */
export function isCompiledModule(asset: ProvidedAsset): asset is WasmModule {
  return !(
    asset instanceof Uint8Array ||
    asset instanceof ArrayBuffer ||
    asset instanceof URL ||
    typeof asset === 'string'
  );
}

let noticeHandler: (message: string) => void = (m) => console.warn(`vggscope: ${m}`);
const noticed = new Set<string>();

/** Says `message` once per process (a fallback the user should know about, not an error). */
export function noticeOnce(message: string): void {
  if (noticed.has(message)) return;
  noticed.add(message);
  noticeHandler(message);
}

/** Where notices go (default: `console.warn`); a page shows them in its status line. */
export function onNotice(handler: (message: string) => void): void {
  noticeHandler = handler;
}
