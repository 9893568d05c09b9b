/**
 * The safetensors format, owned here (no usable npm package): an 8-byte little-endian header
 * length, a JSON header {name: {dtype, shape, data_offsets}}, then raw little-endian data.
 * Reading converts F32, F16 and BF16 to float32; writing produces F32. Every error names the file
 * and, where there is one, the tensor.
 */
import { LorahpoError } from '../contract/errors.ts';

export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const BYTES_PER_ELEMENT: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

function invalid(file: string, message: string, tensor?: string): LorahpoError {
  const where = tensor === undefined ? file : `${file}: tensor ${tensor}`;
  return new LorahpoError('LORAHPO_MODEL_INVALID', `${where}: ${message}`);
}

/** Parses the header and checks every entry against the data section before any decoding. */
function readHeader(bytes: Uint8Array, file: string): { entries: Map<string, HeaderEntry>; dataStart: number } {
  if (bytes.length < 8) throw invalid(file, `truncated: ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length) {
    throw invalid(
      file,
      `truncated: the header claims ${headerLength} bytes but the file has ${bytes.length - 8} after the length`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw invalid(file, `corrupt header (not JSON: ${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw invalid(file, 'corrupt header (not a JSON object)');
  const dataStart = 8 + headerLength;
  const entries = new Map<string, HeaderEntry>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    entries.set(name, checkEntry(raw, name, file, bytes.length - dataStart));
  }
  return { entries, dataStart };
}

function checkEntry(raw: unknown, name: string, file: string, dataLength: number): HeaderEntry {
  const entry = raw as Partial<HeaderEntry>;
  if (!entry || typeof entry.dtype !== 'string' || !Array.isArray(entry.shape) || !Array.isArray(entry.data_offsets)) {
    throw invalid(file, 'corrupt header entry (needs dtype, shape and data_offsets)', name);
  }
  const width = BYTES_PER_ELEMENT[entry.dtype];
  if (width === undefined) throw invalid(file, `unsupported dtype ${entry.dtype} (F32, F16 and BF16 are read)`, name);
  if (!entry.shape.every((d) => Number.isInteger(d) && d >= 0))
    throw invalid(file, `corrupt shape ${JSON.stringify(entry.shape)}`, name);
  const [begin, end] = entry.data_offsets;
  if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end < begin) {
    throw invalid(file, `corrupt data_offsets ${JSON.stringify(entry.data_offsets)}`, name);
  }
  if (end > dataLength)
    throw invalid(file, `truncated: data ends at byte ${end} but the data section has ${dataLength}`, name);
  const expected = entry.shape.reduce((a, b) => a * b, 1) * width;
  if (end - begin !== expected) {
    throw invalid(
      file,
      `corrupt: shape ${JSON.stringify(entry.shape)} of ${entry.dtype} needs ${expected} bytes, data_offsets give ${end - begin}`,
      name,
    );
  }
  return entry as HeaderEntry;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function decode(bytes: Uint8Array, dtype: string): Float32Array {
  const copy = new Uint8Array(bytes); // a copy (Buffer.slice would share memory), aligned at 0
  if (dtype === 'F32') return new Float32Array(copy.buffer, 0, copy.length / 4);
  const halves = new Uint16Array(copy.buffer, 0, copy.length / 2);
  const out = new Float32Array(halves.length);
  if (dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < halves.length; i++) bits[i] = halves[i] << 16;
  } else {
    for (let i = 0; i < halves.length; i++) out[i] = halfToFloat(halves[i]);
  }
  return out;
}

/** A parsed file: names and shapes are known at once; data is decoded on demand. */
export class SafetensorsFile {
  readonly file: string;
  private readonly bytes: Uint8Array;
  private readonly entries: Map<string, HeaderEntry>;
  private readonly dataStart: number;

  constructor(bytes: Uint8Array, file: string) {
    this.file = file;
    this.bytes = bytes;
    const { entries, dataStart } = readHeader(bytes, file);
    this.entries = entries;
    this.dataStart = dataStart;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  shape(name: string): number[] | undefined {
    return this.entries.get(name)?.shape.slice();
  }

  tensor(name: string): HostTensor {
    const entry = this.entries.get(name);
    if (entry === undefined) throw invalid(this.file, 'missing', name);
    const [begin, end] = entry.data_offsets;
    return {
      shape: entry.shape.slice(),
      data: decode(this.bytes.subarray(this.dataStart + begin, this.dataStart + end), entry.dtype),
    };
  }
}

/** Serialises float32 tensors (sorted by name, as the reference implementation does). */
export function serializeSafetensors(
  tensors: Record<string, HostTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name];
    const expected = shape.reduce((a, b) => a * b, 1);
    if (data.length !== expected)
      throw new LorahpoError(
        'LORAHPO_INTERNAL',
        `tensor ${name}: ${data.length} values for shape ${JSON.stringify(shape)}`,
      );
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = new Uint8Array(json.length + ((8 - (json.length % 8)) % 8)).fill(0x20); // 8-byte aligned data
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const data = tensors[name].data;
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}
