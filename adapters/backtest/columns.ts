import { fitsInt64, type Fixed } from '../../actors/trading/fixed.js';

type Packed = Float64Array | Uint8Array | BigInt64Array;

/** `column` twice as long, its values copied. */
function doubled<A extends Packed>(column: A): A {
  const grown = new (column.constructor as new (length: number) => A)(column.length * 2);
  grown.set(column as never);
  return grown;
}

/*
 * What a backtest records at every step (its close time, each trader's equity and whether it holds a
 * position) is half a million values a year of one-minute steps. Kept in typed arrays that grow by
 * doubling, not as arrays of numbers and bigints: the garbage collector copies every live value of a
 * growing array at each scavenge and then promotes it, which was a third of a backtest's time.
 */

/** Numbers appended one at a time into a `Float64Array` or `Uint8Array`. */
export class NumberColumn {
  #values: Float64Array | Uint8Array;
  #length = 0;

  constructor(kind: 'float64' | 'uint8', capacity = 1_024) {
    this.#values = kind === 'float64' ? new Float64Array(Math.max(1, capacity)) : new Uint8Array(Math.max(1, capacity));
  }

  push(value: number): void {
    if (this.#length === this.#values.length) this.#values = doubled(this.#values);
    this.#values[this.#length++] = value;
  }

  /** The values pushed, as a view on the column's memory. */
  done(): Float64Array | Uint8Array {
    return this.#values.subarray(0, this.#length);
  }
}

/**
 * Fixed-point values appended one at a time into a `BigInt64Array`. A value beyond 64 bits (9.2
 * billion of a quote asset) does not fit there: the column is kept as a plain array from then on.
 */
export class FixedColumn {
  #packed: BigInt64Array;
  #objects: Fixed[] | undefined;
  #length = 0;

  constructor(capacity = 1_024) {
    this.#packed = new BigInt64Array(Math.max(1, capacity));
  }

  push(value: Fixed): void {
    if (this.#objects) {
      this.#objects.push(value);
      return;
    }
    if (!fitsInt64(value)) {
      this.#objects = [...this.#packed.subarray(0, this.#length), value];
      return;
    }
    if (this.#length === this.#packed.length) this.#packed = doubled(this.#packed);
    this.#packed[this.#length++] = value;
  }

  /** The values pushed: a view on the column's memory, or the plain array it became. */
  done(): ArrayLike<Fixed> {
    return this.#objects ?? this.#packed.subarray(0, this.#length);
  }
}
