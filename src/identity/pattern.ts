/**
 * Anchored `*` patterns for claim and subject matching (like octo-sts trust policies).
 *
 * A pattern without `*` matches only the exact string. With `*`, the pattern is anchored at both
 * ends, `*` matches any run of characters (including none) and every other character is literal,
 * so `acme/*` matches `acme/web` but not `evil/acme/web`, and `.`/`?`/`+` have no special meaning.
 *
 * Patterns are compiled into literal segments once and matched with `indexOf` (greedy leftmost
 * placement, which is exact for `*`-only globs). No RegExp is built, so neither escaping mistakes
 * nor catastrophic backtracking on attacker-influenced claim values are possible: the cost is
 * O(|value| x |pattern|) at worst.
 */
export type StringMatcher = (value: string) => boolean;

export function compilePattern(pattern: string): StringMatcher {
  if (!pattern.includes('*')) return (value) => value === pattern;
  const segments = pattern.split('*');
  const prefix = segments[0] ?? '';
  const suffix = segments[segments.length - 1] ?? '';
  const middle = segments.slice(1, -1).filter((s) => s.length > 0);
  const minLength = prefix.length + suffix.length + middle.reduce((n, s) => n + s.length, 0);
  return (value) => {
    if (value.length < minLength || !value.startsWith(prefix) || !value.endsWith(suffix)) return false;
    const end = value.length - suffix.length;
    let pos = prefix.length;
    for (const segment of middle) {
      const at = value.indexOf(segment, pos);
      if (at < 0 || at + segment.length > end) return false;
      pos = at + segment.length;
    }
    return true;
  };
}
