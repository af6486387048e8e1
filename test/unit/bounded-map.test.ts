import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../src/util/bounded-map.js';

describe('BoundedMap', () => {
  it('drops the oldest entry when full, and keeps the newest', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.set('c', 3);
    expect(m.size).toBe(2);
    expect(m.get('a')).toBeUndefined();
    expect([m.get('b'), m.get('c')]).toEqual([2, 3]);
  });

  it('replaces an existing key without evicting anything', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.set('b', 20);
    expect([m.get('a'), m.get('b'), m.size]).toEqual([1, 20, 2]);
  });

  it('holds nothing with a bound of 0', () => {
    const m = new BoundedMap<string, number>(0);
    m.set('a', 1);
    expect([m.get('a'), m.size]).toEqual([undefined, 0]);
  });
});
