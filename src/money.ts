// Money is a decimal string end to end. Arithmetic goes through big.js, never through floats.
import Big from "big.js";

export type Decimal = Big;

const AMOUNT = /^(?:0|[1-9]\d*)(?:\.\d{1,2})?$/;

/** True when `text` is a plain non-negative decimal with at most two places ("10", "10.5", "10.00"). */
export function isAmountText(text: string): boolean {
  return AMOUNT.test(text);
}

export function decimal(text: string | number): Big {
  return new Big(text);
}

/** The canonical two-place form: "10" and "10.00" both become "10.00". */
export function toMoneyText(value: Big | string): string {
  return new Big(value).toFixed(2, Big.roundHalfUp);
}

export function sum(values: Iterable<Big | string>): Big {
  let total = new Big(0);
  for (const value of values) total = total.plus(value);
  return total;
}

/** face value × (1 − discount multiplier), rounded half-up to the cent. */
export function discountedPrice(faceValue: Big | string, discountMultiplier: string | undefined): Big {
  const discount = new Big(discountMultiplier ?? "0");
  return new Big(faceValue).times(new Big(1).minus(discount)).round(2, Big.roundHalfUp);
}

/**
 * The JSON number Runa expects for `face_value`. Parsing a two-place decimal string to a number is
 * exact enough for JSON (the shortest round-trip form of "12.5" is 12.5); no arithmetic is done on it.
 */
export function toJsonNumber(text: string): number {
  return Number(new Big(text).toString());
}
