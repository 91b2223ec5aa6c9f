// LtHash16's arithmetic (docs/replay.md, "State hashes"), apart from any store: a row's
// element (SHAKE256 to 1,024 16-bit lanes), lanes added and taken out mod 2^16, a table's
// digest and the world's. SQLite's keeper (state-hash.ts) and PostgreSQL's
// (state-hash-postgres.ts) both use it, so both stores make the same digests.
import { createHash } from 'node:crypto';

export interface StateHash {
  state_hash: string;
  table_hashes: Record<string, string>;
}

export const LANES = 1024;
const LANE_BYTES = LANES * 2;

export function combine(tables: readonly string[], hashOf: (table: string) => string): StateHash {
  const table_hashes: Record<string, string> = {};
  const all = createHash('sha256');
  for (const table of tables) {
    const h = hashOf(table);
    table_hashes[table] = h;
    all.update(`${table}=${h}\n`);
  }
  return { state_hash: all.digest('hex'), table_hashes };
}

// Lanes are little-endian 16-bit words (the digest's byte order on every machine); on a
// little-endian host (x86, ARM) a typed-array view reads them as they are.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function wordsOf(bytes: Buffer): Uint16Array {
  if (LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, LANES);
  const words = new Uint16Array(LANES);
  for (let i = 0; i < LANES; i++) words[i] = bytes.readUInt16LE(i * 2);
  return words;
}

export const elementOf = (row: string): Uint16Array => wordsOf(createHash('shake256', { outputLength: LANE_BYTES }).update(row).digest());

export function addElement(lanes: Uint16Array, element: Uint16Array, sign: 1 | -1): void {
  // Uint16Array stores mod 2^16: adding or subtracting wraps as the sum needs.
  if (sign === 1) for (let i = 0; i < LANES; i++) lanes[i] = lanes[i]! + element[i]!;
  else for (let i = 0; i < LANES; i++) lanes[i] = lanes[i]! - element[i]!;
}

export function addRow(lanes: Uint16Array, row: string, sign: 1 | -1): void {
  addElement(lanes, elementOf(row), sign);
}

/**
 * The elements of the rows the last two state hashes added, by row text. Most rows a cycle
 * writes are rewritten within a cycle or two (an agent's balance, its bid, its run), and a
 * row rewritten is its old text taken out: with the element kept from when it went in, that
 * costs no SHAKE256 expansion, which is most of a cycle hash's cost. Two generations, so what
 * it holds follows what the last cycles wrote, never the world's size. An element depends on
 * the row's text alone, so the cache can never make a digest differ.
 */
export class ElementCache {
  private current = new Map<string, Uint16Array>();
  private previous = new Map<string, Uint16Array>();

  /** The element of a row being added: computed, and kept for when the row is taken out. */
  added(row: string): Uint16Array {
    let element = this.current.get(row) ?? this.previous.get(row);
    if (element === undefined) element = elementOf(row).slice();
    this.current.set(row, element);
    return element;
  }

  /** The element of a row being taken out: the one kept when it went in, if it is still kept. */
  removed(row: string): Uint16Array {
    const element = this.current.get(row) ?? this.previous.get(row);
    if (element === undefined) return elementOf(row);
    this.current.delete(row);
    this.previous.delete(row);
    return element;
  }

  /** A state hash is done: what it did not touch ages by one generation. */
  age(): void {
    this.previous = this.current;
    this.current = new Map();
  }
}

export function lanesOf(blob: Buffer): Uint16Array {
  return wordsOf(blob).slice();
}

export function blobOf(lanes: Uint16Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(lanes.buffer, lanes.byteOffset, LANE_BYTES);
  const blob = Buffer.alloc(LANE_BYTES);
  for (let i = 0; i < LANES; i++) blob.writeUInt16LE(lanes[i]!, i * 2);
  return blob;
}

export const digestOf = (blob: Buffer) => createHash('sha256').update(blob).digest('hex');
