import { BoundedMap } from '../util/bounded-map.js';
import type { AuthorizationAnswer } from './cedar-wasm.js';

/**
 * Cedar answers by the exact request sent, for one prepared policy set. Cedar's evaluation is a pure
 * function of the policies and the request (no clock, no randomness: the time is part of the request
 * when a policy reads it), so the same slice and the same request text get the same answer. A repeated
 * credential request of a task (same agent, profile, resources, TTL) then costs a lookup instead of an
 * evaluation. Dropped with its policy set on reload; bounded (the oldest answer goes first).
 */
export class AnswerCache extends BoundedMap<string, AuthorizationAnswer> {}
