/**
 * The safetensors format, owned here (no usable npm package): an 8-byte little-endian header
 * length, a JSON header {name: {dtype, shape, data_offsets}}, then raw little-endian data.
 * Reading converts F32, F16 and BF16 to float32; writing produces F32. Every error names the file
 * and, where there is one, the tensor. Files are read per tensor through a file handle, so any
 * size loads (see ByteSource).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
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

/**
 * Where a file's bytes come from: memory (adapters, tests) or a file handle read by offset, so a
 * checkpoint of any size costs one tensor at a time and never one buffer of the whole file (Node
 * refuses to read a file over 2 GiB at once).
 */
export interface ByteSource {
  readonly length: number;
  /** Copies bytes [position, position + target.length) into target. */
  readInto(target: Uint8Array, position: number): void;
  close(): void;
}

function memorySource(bytes: Uint8Array): ByteSource {
  return {
    length: bytes.length,
    readInto: (target, position) => target.set(bytes.subarray(position, position + target.length)),
    close: () => {},
  };
}

/** readSync reads at most 2 GiB − 1 bytes per call: larger tensors are read in chunks. */
const READ_CHUNK = 1 << 30;

function fileSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  const length = fstatSync(fd).size;
  return {
    length,
    readInto: (target, position) => {
      for (let done = 0; done < target.length; ) {
        const want = Math.min(READ_CHUNK, target.length - done);
        const got = readSync(fd, target, done, want, position + done);
        if (got === 0) throw invalid(path, `truncated while reading at byte ${position + done}`);
        done += got;
      }
    },
    close: () => closeSync(fd),
  };
}

/** Parses the header and checks every entry against the data section before any decoding. */
function readHeader(
  source: ByteSource,
  file: string,
): { entries: Map<string, HeaderEntry>; dataStart: number; metadata: Record<string, string> } {
  if (source.length < 8)
    throw invalid(file, `truncated: ${source.length} bytes, shorter than the 8-byte header length`);
  const lengthBytes = new Uint8Array(8);
  source.readInto(lengthBytes, 0);
  const headerLength = Number(new DataView(lengthBytes.buffer).getBigUint64(0, true));
  if (8 + headerLength > source.length) {
    throw invalid(
      file,
      `truncated: the header claims ${headerLength} bytes but the file has ${source.length - 8} after the length`,
    );
  }
  const headerBytes = new Uint8Array(headerLength);
  source.readInto(headerBytes, 8);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(headerBytes));
  } catch (error) {
    throw invalid(file, `corrupt header (not JSON: ${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw invalid(file, 'corrupt header (not a JSON object)');
  const dataStart = 8 + headerLength;
  const entries = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__')
      metadata = raw !== null && typeof raw === 'object' ? (raw as Record<string, string>) : {};
    else entries.set(name, checkEntry(raw, name, file, source.length - dataStart));
  }
  return { entries, dataStart, metadata };
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

/** Halves are converted in chunks so a 16-bit tensor costs its float32 copy plus one chunk. */
const DECODE_CHUNK = 1 << 24;

/** Reads and converts one tensor's data (at `position`, `elements` values of `dtype`) to float32. */
function readFloat32(source: ByteSource, position: number, elements: number, dtype: string): Float32Array {
  const out = new Float32Array(elements);
  if (dtype === 'F32') {
    source.readInto(new Uint8Array(out.buffer), position); // little-endian, as every platform Node runs on
    return out;
  }
  const chunk = new Uint16Array(Math.min(elements, DECODE_CHUNK));
  const bits = new Uint32Array(out.buffer);
  for (let at = 0; at < elements; at += chunk.length) {
    const n = Math.min(chunk.length, elements - at);
    const halves = chunk.subarray(0, n);
    source.readInto(new Uint8Array(halves.buffer, 0, n * 2), position + at * 2);
    if (dtype === 'BF16') for (let i = 0; i < n; i++) bits[at + i] = halves[i] << 16;
    else for (let i = 0; i < n; i++) out[at + i] = halfToFloat(halves[i]);
  }
  return out;
}

/**
 * A parsed file: names and shapes are known at once; data is read and decoded on demand, one
 * tensor at a time. `new SafetensorsFile(bytes, name)` reads from memory, `SafetensorsFile.open`
 * from a file handle (close it when done).
 */
export class SafetensorsFile {
  readonly file: string;
  private readonly source: ByteSource;
  private readonly entries: Map<string, HeaderEntry>;
  private readonly dataStart: number;
  /** The header's `__metadata__` (string to string; empty when absent). */
  readonly metadata: Readonly<Record<string, string>>;

  constructor(bytes: Uint8Array | ByteSource, file: string) {
    this.file = file;
    this.source = bytes instanceof Uint8Array ? memorySource(bytes) : bytes;
    const { entries, dataStart, metadata } = readHeader(this.source, file);
    this.entries = entries;
    this.dataStart = dataStart;
    this.metadata = metadata;
  }

  static open(path: string): SafetensorsFile {
    const source = fileSource(path);
    try {
      return new SafetensorsFile(source, path);
    } catch (error) {
      source.close();
      throw error;
    }
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
    const elements = (end - begin) / BYTES_PER_ELEMENT[entry.dtype];
    return {
      shape: entry.shape.slice(),
      data: readFloat32(this.source, this.dataStart + begin, elements, entry.dtype),
    };
  }

  close(): void {
    this.source.close();
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
