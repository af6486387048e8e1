import type { AuthorizationAnswer } from './cedar-wasm.js';

/**
 * Cedar answers by the exact request sent, for one prepared policy set. Cedar's evaluation is a pure
 * function of the policies and the request (no clock, no randomness: the time is part of the request
 * when a policy reads it), so the same slice and the same request text get the same answer. A repeated
 * credential request of a task (same agent, profile, resources, TTL) then costs a lookup instead of an
 * evaluation. Dropped with its policy set on reload; bounded (the oldest answer goes first).
 */
export class AnswerCache {
  private readonly answers = new Map<string, AuthorizationAnswer>();

  constructor(private readonly max: number) {}

  get(key: string): AuthorizationAnswer | undefined {
    return this.answers.get(key);
  }

  set(key: string, answer: AuthorizationAnswer): void {
    if (this.max <= 0) return;
    if (this.answers.size >= this.max) {
      const oldest = this.answers.keys().next();
      if (!oldest.done) this.answers.delete(oldest.value);
    }
    this.answers.set(key, answer);
  }

  get size(): number {
    return this.answers.size;
  }
}
