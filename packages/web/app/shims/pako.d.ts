// The pako API the zlib shim uses (pako 1.0 ships no types).
declare module 'pako' {
  export class Inflate {
    onData: (chunk: Uint8Array) => void;
    err: number;
    msg: string;
    push(data: Uint8Array, end: boolean): boolean;
  }
}
