/**
 * Ascending argsort of finite doubles with the engine's native numeric sort: each value's lowest
 * mantissa bits are replaced by its index (⌈log2 n⌉ bits, so ~2^-41 relative precision at
 * n = 2000), the copies are sorted natively, and the indices are read back from those bits.
 * Values closer than that precision may come out in either order; TPE uses the order only to
 * find neighbour gaps, where such a swap changes a gap by the same tiny amount. Several times
 * faster than sorting an index array with a comparator, and far faster than a radix sort in JS.
 */
const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LOW_WORD = IS_LITTLE_ENDIAN ? 0 : 1;

export function argsort(values: Float64Array): Uint32Array {
  const n = values.length;
  const bits = Math.max(1, Math.ceil(Math.log2(Math.max(n, 2))));
  const mask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
  const keys = new Float64Array(n);
  keys.set(values);
  const words = new Uint32Array(keys.buffer);
  for (let i = 0; i < n; i++) {
    const at = 2 * i + LOW_WORD;
    words[at] = ((words[at] & ~mask) | i) >>> 0;
  }
  keys.sort();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = words[2 * i + LOW_WORD] & mask;
  return order;
}
