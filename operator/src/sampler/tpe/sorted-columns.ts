/**
 * Each dimension's finished trials in value order, kept from ask to ask. The neighbour rule needs
 * the good and the bad trials of every numeric dimension in sorted order; sorting them afresh
 * costs O(n log n) per dimension and ask (at a thousand trials, a tenth of the ask), while a
 * study adds one trial per ask. Here a new trial is inserted once (binary search, O(n) move) and
 * each ask reads a subset's order off the kept list in O(n). Pure memoisation: an unknown trial
 * is inserted, and a known trial asked about with another value (which a study never does: its
 * finished trials are frozen) starts the column afresh, so every kept entry holds.
 */

/** More new trials than this at once (a resumed study) are merged by one sort instead. */
const BULK_INSERT = 32;
/** Trial numbers up to this index a plain array; beyond it the caller sorts itself. */
const MAX_NUMBER = 1 << 24;

interface Column {
  /** Entries [0, length) ordered by (value, number), one per known trial. */
  numbers: Float64Array;
  values: Float64Array;
  length: number;
  /** The value each number was inserted with (NaN: none). */
  current: Float64Array;
}

export class SortedColumns {
  private spaceKey = '';
  private columns = new Map<number, Column>();
  /** Subset position of each trial number during one `orderOf`, −1 elsewhere. */
  private position = new Int32Array(0);

  /**
   * Order of the subset (trial `numbers[j]` with value `values[j]`) by value, ties by number, as
   * subset positions; undefined when the numbers do not suit an index (not strictly ascending
   * integers below MAX_NUMBER: the caller sorts itself).
   */
  orderOf(spaceKey: string, dimension: number, numbers: Float64Array, values: Float64Array): Uint32Array | undefined {
    const m = numbers.length;
    let largest = -1;
    for (let j = 0; j < m; j++) {
      const number = numbers[j];
      if (!(Number.isInteger(number) && number > largest && number < MAX_NUMBER)) return undefined;
      largest = number;
    }
    if (spaceKey !== this.spaceKey) {
      this.spaceKey = spaceKey;
      this.columns = new Map();
    }
    const column = this.columnOf(dimension, largest + 1);
    let missing: number[] = [];
    for (let j = 0; j < m; j++) {
      const known = column.current[numbers[j]];
      if (known === values[j]) continue;
      if (!Number.isNaN(known)) {
        clear(column);
        missing = Array.from({ length: m }, (_, i) => i);
        break;
      }
      missing.push(j);
    }
    if (missing.length > BULK_INSERT) rebuild(column, numbers, values, missing);
    else for (const j of missing) insert(column, numbers[j], values[j]);
    if (this.position.length <= largest) {
      this.position = new Int32Array(Math.max(largest + 1, 2 * this.position.length)).fill(-1);
    }
    const position = this.position;
    for (let j = 0; j < m; j++) position[numbers[j]] = j;
    const order = new Uint32Array(m);
    let filled = 0;
    for (let e = 0; e < column.length && filled < m; e++) {
      const number = column.numbers[e];
      if (number > largest) continue;
      const j = position[number];
      if (j >= 0) order[filled++] = j;
    }
    for (let j = 0; j < m; j++) position[numbers[j]] = -1;
    return order;
  }

  private columnOf(dimension: number, numbers: number): Column {
    let column = this.columns.get(dimension);
    if (column === undefined) {
      column = { numbers: new Float64Array(64), values: new Float64Array(64), length: 0, current: new Float64Array(0) };
      this.columns.set(dimension, column);
    }
    if (column.current.length < numbers) {
      const current = new Float64Array(Math.max(numbers, 2 * column.current.length)).fill(Number.NaN);
      current.set(column.current);
      column.current = current;
    }
    return column;
  }
}

function before(value: number, number: number, otherValue: number, otherNumber: number): boolean {
  return value < otherValue || (value === otherValue && number < otherNumber);
}

function reserve(column: Column, length: number): void {
  if (column.numbers.length >= length) return;
  const size = Math.max(length, 2 * column.numbers.length);
  const numbers = new Float64Array(size);
  const values = new Float64Array(size);
  numbers.set(column.numbers.subarray(0, column.length));
  values.set(column.values.subarray(0, column.length));
  column.numbers = numbers;
  column.values = values;
}

function insert(column: Column, number: number, value: number): void {
  reserve(column, column.length + 1);
  let lo = 0;
  let hi = column.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(column.values[mid], column.numbers[mid], value, number)) lo = mid + 1;
    else hi = mid;
  }
  column.numbers.copyWithin(lo + 1, lo, column.length);
  column.values.copyWithin(lo + 1, lo, column.length);
  column.numbers[lo] = number;
  column.values[lo] = value;
  column.length++;
  column.current[number] = value;
}

/** The kept entries plus the subset's missing ones (`missing`, subset positions), sorted in one go. */
function rebuild(column: Column, numbers: Float64Array, values: Float64Array, missing: readonly number[]): void {
  const pairs: [number, number][] = [];
  for (let e = 0; e < column.length; e++) pairs.push([column.values[e], column.numbers[e]]);
  for (const j of missing) {
    pairs.push([values[j], numbers[j]]);
    column.current[numbers[j]] = values[j];
  }
  pairs.sort((a, b) => (before(a[0], a[1], b[0], b[1]) ? -1 : before(b[0], b[1], a[0], a[1]) ? 1 : 0));
  reserve(column, pairs.length);
  pairs.forEach(([value, number], e) => {
    column.values[e] = value;
    column.numbers[e] = number;
  });
  column.length = pairs.length;
}

/** Forgets every entry. */
function clear(column: Column): void {
  column.length = 0;
  column.current.fill(Number.NaN);
}
