/** A limit a TTL is clamped by, named as it is reported in `ttl_clamped_by`. */
export interface TtlLimit {
  by: string;
  seconds: number;
}

/**
 * TTL = min(requested, every limit). `clampedBy` names the limit that cut the request short
 * (null when the request was honoured). Without a request, the first limit is the default and
 * a smaller later limit is reported as the one that clamped it.
 */
export function clampTtl(requested: number | undefined, limits: TtlLimit[]): { ttlSeconds: number; clampedBy: string | null } {
  let ttl = requested ?? limits[0]?.seconds ?? 0;
  let clampedBy: string | null = null;
  for (const limit of limits) {
    if (limit.seconds < ttl) {
      ttl = limit.seconds;
      clampedBy = limit.by;
    }
  }
  return { ttlSeconds: Math.max(0, Math.floor(ttl)), clampedBy };
}
