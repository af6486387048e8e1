/** Source of the current time, injectable so tests can control it. Milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

/** The real wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** ISO-8601 string of a millisecond timestamp. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** ISO-8601 string of a timestamp that may be missing (`null` then). */
export function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : iso(ms);
}
