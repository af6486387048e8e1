import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { AuthorizationAnswer, DetailedError, EntityJson, EntityUidJson, CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import { CEDAR_SCHEMA } from './cedar-schema.js';

export type { AuthorizationAnswer, DetailedError, EntityJson, EntityUidJson, CedarValueJson };
export { cedar };

/** Name under which the Tessera schema is preparsed in the Cedar module (once per process). */
export const SCHEMA_NAME = 'tessera-schema';
let schemaReady = false;

/** Parse the shipped schema once per process. Throws if it does not parse (a bug in Tessera). */
export function ensureSchema(): string {
  if (!schemaReady) {
    const r = cedar.preparseSchema(SCHEMA_NAME, CEDAR_SCHEMA);
    if (r.type !== 'success') throw new Error(`Tessera's Cedar schema does not parse: ${r.errors.map((e) => e.message).join('; ')}`);
    schemaReady = true;
  }
  return SCHEMA_NAME;
}

/** An entity id as Tessera writes it (the explicit form of Cedar's EntityUidJson). */
export interface Uid {
  type: string;
  id: string;
}

/** One Cedar request as Tessera sends it. */
export interface CedarRequest {
  principal: Uid;
  action: Uid;
  resource: Uid;
  context: Record<string, CedarValueJson>;
  entities: EntityJson[];
}

/**
 * Evaluate against a preparsed policy set; with `validate`, the request (context and entities) is first
 * checked against the schema.
 */
export function authorize(policySetId: string, req: CedarRequest, validate: boolean): AuthorizationAnswer {
  if (!validate) return cedar.statefulIsAuthorized({ ...req, preparsedPolicySetId: policySetId });
  return cedar.statefulIsAuthorized({ ...req, preparsedSchemaName: ensureSchema(), validateRequest: true, preparsedPolicySetId: policySetId });
}

/** A Cedar error as one line: message, then help when there is one. */
export function errorText(e: DetailedError): string {
  return e.help ? `${e.message} (${e.help})` : e.message;
}
