// Seeded randomness, so a simulator run with the same seed, clock and requests answers the same way.

/** mulberry32: small, fast, good enough to decide faults; never used for anything secret. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** True with probability `rate`; draws nothing when the rate is 0, so unused faults do not shift the others. */
export function chance(random: () => number, rate: number | undefined): boolean {
  return rate !== undefined && rate > 0 && random() < rate;
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A ULID-shaped id (as Runa's `O-01H5WQGHKCBB85MQFM68S9KJ5Q`): 10 characters of time, 16 of randomness. */
export function ulid(timeMs: number, random: () => number): string {
  let time = "";
  let rest = Math.max(0, Math.floor(timeMs));
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD.charAt(rest % 32) + time;
    rest = Math.floor(rest / 32);
  }
  let tail = "";
  for (let i = 0; i < 16; i++) tail += CROCKFORD.charAt(Math.floor(random() * 32));
  return time + tail;
}
