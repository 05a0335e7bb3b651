import { type VggGraph, type WeightSet } from '@vggscope/core';

/**
 * A minimal protobuf writer for the few ONNX messages a VGG needs (ModelProto, GraphProto,
 * NodeProto, AttributeProto, TensorProto, ValueInfoProto), so the benchmark can hand
 * onnxruntime-web the same weights without a protobuf dependency. Field numbers are onnx.proto's.
 */
class Pb {
  private readonly parts: Uint8Array[] = [];
  private varint(n: number): void {
    const out: number[] = [];
    let v = n;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.parts.push(Uint8Array.from(out));
  }
  int(field: number, n: number): this {
    this.varint(field * 8);
    this.varint(n);
    return this;
  }
  ints(field: number, ns: readonly number[]): this {
    for (const n of ns) this.int(field, n); // proto2 repeated scalars: unpacked
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.varint(field * 8 + 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  msg(field: number, m: Pb): this {
    return this.bytes(field, m.finish());
  }
  finish(): Uint8Array {
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

const INTS = 7;
const FLOAT = 1;
const attrInts = (name: string, values: number[]) => new Pb().str(1, name).int(20, INTS).ints(8, values);

function tensor(name: string, dims: number[], data: Float32Array): Pb {
  return new Pb()
    .ints(1, dims)
    .int(2, FLOAT)
    .str(8, name)
    .bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function valueInfo(name: string, dims: (number | string)[]): Pb {
  const shape = new Pb();
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().str(2, d));
  return new Pb().str(1, name).msg(2, new Pb().msg(1, new Pb().int(1, FLOAT).msg(2, shape)));
}

/** HWIO (Keras) → OIHW (ONNX Conv). */
function toOihw(k: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(k.length);
  for (let h = 0; h < kh!; h++)
    for (let w = 0; w < kw!; w++)
      for (let i = 0; i < cin!; i++)
        for (let o = 0; o < cout!; o++) {
          out[((o * cin! + i) * kh! + h) * kw! + w] = k[((h * kw! + w) * cin! + i) * cout! + o]!;
        }
  return out;
}

/** The no-top VGG as an NCHW ONNX model (opset 13): input `input` [N, 3, H, W], output `output`. */
export function vggToOnnx(graph: VggGraph, weights: WeightSet): Uint8Array {
  const g = new Pb().str(2, graph.model);
  let x = 'input';
  graph.layers.forEach((l, i) => {
    const y = i === graph.layers.length - 1 ? 'output' : `t${i}`;
    if (l.spec.kind === 'conv') {
      const w = weights.layers.get(l.name)!;
      g.msg(
        5,
        tensor(
          `${l.name}_W`,
          [w.kernel.shape[3]!, w.kernel.shape[2]!, 3, 3],
          toOihw(w.kernel.data, [...w.kernel.shape]),
        ),
      );
      g.msg(5, tensor(`${l.name}_B`, [...w.bias.shape], w.bias.data));
      g.msg(
        1,
        new Pb()
          .str(1, x)
          .str(1, `${l.name}_W`)
          .str(1, `${l.name}_B`)
          .str(2, `${y}_pre`)
          .str(3, l.name)
          .str(4, 'Conv')
          .msg(5, attrInts('kernel_shape', [3, 3]))
          .msg(5, attrInts('pads', [1, 1, 1, 1]))
          .msg(5, attrInts('strides', [1, 1])),
      );
      g.msg(1, new Pb().str(1, `${y}_pre`).str(2, y).str(3, `${l.name}_relu`).str(4, 'Relu'));
    } else if (l.spec.kind === 'pool') {
      g.msg(
        1,
        new Pb()
          .str(1, x)
          .str(2, y)
          .str(3, l.name)
          .str(4, 'MaxPool')
          .msg(5, attrInts('kernel_shape', [2, 2]))
          .msg(5, attrInts('strides', [2, 2])),
      );
    } else if (l.spec.kind !== 'input') {
      throw new Error(`vggToOnnx: only the no-top model is exported, found ${l.name}`);
    }
    if (l.spec.kind !== 'input') x = y;
  });
  const [h, w] = graph.inputSize;
  const out = graph.layers.at(-1)!.outputShape;
  g.msg(11, valueInfo('input', ['N', 3, h, w])).msg(12, valueInfo('output', ['N', out[2]!, out[0]!, out[1]!]));
  return new Pb().int(1, 8).msg(8, new Pb().str(1, '').int(2, 13)).str(2, 'vggscope-bench').msg(7, g).finish();
}
