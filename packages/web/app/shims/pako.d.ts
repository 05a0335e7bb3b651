// The one pako function the zlib shim uses (pako 1.0 ships no types).
declare module 'pako' {
  export function inflate(data: Uint8Array): Uint8Array;
}
