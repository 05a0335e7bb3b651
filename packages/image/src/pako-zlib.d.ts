// Types for the two CommonJS modules of pako's low-level zlib port that zlib-stream.ts uses.
declare module 'pako/lib/zlib/zstream.js' {
  class ZStream {
    input: Uint8Array | null;
    next_in: number;
    avail_in: number;
    output: Uint8Array | null;
    next_out: number;
    avail_out: number;
    msg: string;
  }
  export default ZStream;
}
declare module 'pako/lib/zlib/inflate.js' {
  import type ZStream from 'pako/lib/zlib/zstream.js';
  const inflateLib: {
    inflateInit(strm: ZStream): number;
    inflate(strm: ZStream, flush: number): number;
    inflateEnd(strm: ZStream): number;
  };
  export default inflateLib;
}
