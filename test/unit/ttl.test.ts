import { describe, expect, it } from 'vitest';
import { clampTtl } from '../../src/tasks/ttl.js';

describe('clampTtl', () => {
  const limits = [
    { by: 'profile', seconds: 600 },
    { by: 'task', seconds: 300 },
  ];
  it('honours a request under every limit', () => {
    expect(clampTtl(120, limits)).toEqual({ ttlSeconds: 120, clampedBy: null });
  });
  it('names the limit that cut the request short', () => {
    expect(clampTtl(450, limits)).toEqual({ ttlSeconds: 300, clampedBy: 'task' });
    expect(clampTtl(900, [{ by: 'profile', seconds: 600 }, { by: 'task', seconds: 800 }])).toEqual({ ttlSeconds: 600, clampedBy: 'profile' });
  });
  it('defaults to the first limit and reports a smaller later one', () => {
    expect(clampTtl(undefined, limits)).toEqual({ ttlSeconds: 300, clampedBy: 'task' });
    expect(clampTtl(undefined, [{ by: 'profile', seconds: 60 }, { by: 'task', seconds: 300 }])).toEqual({ ttlSeconds: 60, clampedBy: null });
  });
  it('never goes negative', () => {
    expect(clampTtl(100, [{ by: 'task', seconds: -5 }]).ttlSeconds).toBe(0);
  });
});
