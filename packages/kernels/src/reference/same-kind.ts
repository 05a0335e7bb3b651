/**
 * A zeroed array of `x`'s kind: the reference ops keep float32 in float32 (what every backend
 * stores), and run end to end in float64 when given Float64Array data — the finite-difference
 * checks of the gradients need that precision (a float32 objective rounds away a small step).
 */
export function sameKind(x: Float32Array, length: number): Float32Array {
  return new (x.constructor as Float32ArrayConstructor)(length);
}
