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

export type ParsedAmount = { ok: true; text: string } | { ok: false; message: string };

const PLAIN_AMOUNT = /^(\d+)(?:\.(\d{1,2}))?$/;
const DECIMAL_COMMA = /^\d{1,3}(?:\.\d{3})*,\d{1,2}$|^\d+,\d{1,2}$/;
const THOUSANDS_COMMA = /^\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?$/;
const TOO_MANY_PLACES = /^\d+\.\d{3,}$/;

/**
 * Reads an amount as a person typed it in a spreadsheet and returns the canonical two-place text
 * ("10" -> "10.00", "12.5" -> "12.50"), exactly, without floats. Rejections carry a hint a finance
 * person can act on. Only the format is judged here: > 0 and catalog limits are the caller's.
 */
export function parseAmount(raw: string): ParsedAmount {
  const text = raw.trim();
  if (text === "") return { ok: false, message: "empty; write a number such as 25 or 10.50" };
  const match = PLAIN_AMOUNT.exec(text);
  if (match) {
    const units = (match[1] ?? "").replace(/^0+(?=\d)/, "");
    const cents = (match[2] ?? "").padEnd(2, "0");
    return { ok: true, text: `${units}.${cents}` };
  }
  if (DECIMAL_COMMA.test(text) && !THOUSANDS_COMMA.test(text)) {
    const dotted = text.replace(/\./g, "").replace(",", ".");
    return { ok: false, message: `"${text}" uses a decimal comma; use a dot: ${dotted}` };
  }
  if (THOUSANDS_COMMA.test(text))
    return {
      ok: false,
      message: `"${text}" has a thousands separator; write it without one: ${text.replace(/,/g, "")}`,
    };
  if (TOO_MANY_PLACES.test(text)) return { ok: false, message: `"${text}" has more than 2 decimal places` };
  if (/^-/.test(text)) return { ok: false, message: `"${text}" is negative; the amount must be greater than 0` };
  if (/^\.\d{1,2}$/.test(text)) return { ok: false, message: `"${text}" needs a leading zero: 0${text}` };
  if (/^[^\d.,-]*\d[\d.,]*[^\d.,]*$/.test(text) && /[^\d.,\s]/.test(text)) {
    return { ok: false, message: `"${text}" is not a number; write only the number, without a currency sign or code` };
  }
  return { ok: false, message: `"${text}" is not a number such as 10 or 10.50` };
}

// Integer cents (bigint) for the hot path of summing a million rows: exact like big.js, without an
// object per operation. Inputs are canonical two-place texts (see parseAmount / toMoneyText).

/** "123.45" -> 12345n. Only for canonical two-place amounts. */
export function toCents(text: string): bigint {
  const dot = text.indexOf(".");
  if (dot === -1 || text.length - dot !== 3) throw new Error(`not a two-place amount: ${text}`);
  return BigInt(text.slice(0, dot) + text.slice(dot + 1));
}

/** 12345n -> "123.45"; -5n -> "-0.05". */
export function centsToText(cents: bigint): string {
  const negative = cents < 0n;
  const digits = (negative ? -cents : cents).toString().padStart(3, "0");
  return `${negative ? "-" : ""}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** A discount multiplier as an exact fraction: what stays after the discount, over a power of ten. */
export interface KeptFraction {
  kept: bigint;
  scale: bigint;
}

/** "0.05" -> 95/100 of the face value is paid. */
export function keptFraction(discountMultiplier: string): KeptFraction {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(discountMultiplier);
  if (!match) throw new Error(`not a discount multiplier: ${discountMultiplier}`);
  const places = match[2]?.length ?? 0;
  const scale = 10n ** BigInt(places);
  return { kept: scale - BigInt((match[1] ?? "0") + (match[2] ?? "")), scale };
}

/** face × (1 − multiplier) in cents, rounded half-up to the cent: the same as discountedPrice. */
export function discountedCents(faceCents: bigint, fraction: KeptFraction): bigint {
  const exact = faceCents * fraction.kept;
  const half = fraction.scale / 2n;
  return exact >= 0n ? (exact + half) / fraction.scale : -((-exact + half) / fraction.scale);
}
