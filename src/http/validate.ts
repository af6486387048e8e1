import type { z } from 'zod';
import { Errors } from '../errors/codes.js';

/** Parse a request body with a schema; a mismatch is a 400 `invalid_request` naming each bad field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const errors = r.error.issues.map((i) => ({
    field: i.path.map(String).join('.') || '(body)',
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
  }));
  throw Errors.badRequest(errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
}
