/**
 * HDF5 stamps every object header (version 2, which h5wasm writes) with its access, modification,
 * change and birth times, so two runs of the same generator give different bytes. h5wasm exposes no
 * `track_times` switch, so the file is made reproducible after writing: every genuine OHDR (its
 * checksum verifies) with the times flag gets fixed times and a recomputed checksum.
 */
export function clearObjectHeaderTimes(bytes: Uint8Array, time = 0): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let cleared = 0;
  for (let p = bytes.indexOf(0x4f); p >= 0 && p + 6 < bytes.length; p = bytes.indexOf(0x4f, p + 1)) {
    if (bytes[p + 1] !== 0x48 || bytes[p + 2] !== 0x44 || bytes[p + 3] !== 0x52 || bytes[p + 4] !== 2) continue; // "OHDR" v2
    const flags = bytes[p + 5]!;
    if (!(flags & 0x20)) continue; // no times stored
    let q = p + 6 + 16 + (flags & 0x10 ? 4 : 0);
    const sizeBytes = 1 << (flags & 0x03);
    if (q + sizeBytes > bytes.length) continue;
    let chunk = 0;
    for (let i = sizeBytes - 1; i >= 0; i--) chunk = chunk * 256 + bytes[q + i]!;
    q += sizeBytes;
    const sumAt = q + chunk;
    if (sumAt + 4 > bytes.length || view.getUint32(sumAt, true) !== lookup3(bytes.subarray(p, sumAt))) continue;
    for (let i = 0; i < 4; i++) view.setUint32(p + 6 + 4 * i, time, true);
    view.setUint32(sumAt, lookup3(bytes.subarray(p, sumAt)), true);
    cleared++;
  }
  return cleared;
}

/** Bob Jenkins' lookup3 `hashlittle` with initval 0: HDF5's metadata checksum (H5_checksum_lookup3). */
export function lookup3(k: Uint8Array, initval = 0): number {
  let length = k.length;
  let a = (0xdeadbeef + length + initval) >>> 0;
  let b = a;
  let c = a;
  const rot = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
  let o = 0;
  while (length > 12) {
    a = (a + (k[o]! | (k[o + 1]! << 8) | (k[o + 2]! << 16) | (k[o + 3]! << 24))) >>> 0;
    b = (b + (k[o + 4]! | (k[o + 5]! << 8) | (k[o + 6]! << 16) | (k[o + 7]! << 24))) >>> 0;
    c = (c + (k[o + 8]! | (k[o + 9]! << 8) | (k[o + 10]! << 16) | (k[o + 11]! << 24))) >>> 0;
    // mix(a, b, c)
    a = (a - c) >>> 0;
    a = (a ^ rot(c, 4)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rot(a, 6)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rot(b, 8)) >>> 0;
    b = (b + a) >>> 0;
    a = (a - c) >>> 0;
    a = (a ^ rot(c, 16)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rot(a, 19)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rot(b, 4)) >>> 0;
    b = (b + a) >>> 0;
    length -= 12;
    o += 12;
  }
  if (length === 0) return c;
  // the last 1–12 bytes, as HDF5's switch adds them (bytes past the end count as 0)
  const byte = (i: number) => (i < length ? k[o + i]! : 0);
  c = (c + (byte(8) | (byte(9) << 8) | (byte(10) << 16) | (byte(11) << 24))) >>> 0;
  b = (b + (byte(4) | (byte(5) << 8) | (byte(6) << 16) | (byte(7) << 24))) >>> 0;
  a = (a + (byte(0) | (byte(1) << 8) | (byte(2) << 16) | (byte(3) << 24))) >>> 0;
  // final(a, b, c)
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 14)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rot(c, 11)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rot(a, 25)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 16)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rot(c, 4)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rot(a, 14)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 24)) >>> 0;
  return c;
}
