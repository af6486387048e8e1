import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { Errors } from '../errors/codes.js';

/** Longest workload token accepted (characters); real OIDC tokens are a few KiB at most. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

export interface UnverifiedToken {
  header: ProtectedHeaderParameters;
  payload: JWTPayload;
  /** The unverified `iss`, used only to pick which issuer's rules and keys apply. */
  issuer: string;
}

/**
 * Decode a compact JWS without verifying it, to route it to an issuer and check its `alg`.
 * Nothing decoded here is trusted until the signature verifies with that issuer's keys.
 * Errors never carry the token.
 */
export function decodeUnverified(token: string): UnverifiedToken {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    throw Errors.tokenInvalid();
  }
  let header: ProtectedHeaderParameters;
  let payload: JWTPayload;
  try {
    if (token.split('.').length !== 3) throw new Error('not a compact JWS');
    header = decodeProtectedHeader(token);
    payload = decodeJwt(token);
  } catch {
    throw Errors.tokenInvalid();
  }
  if (!Object.hasOwn(payload, 'iss')) throw Errors.tokenClaimMissing('iss');
  if (typeof payload.iss !== 'string' || payload.iss.length === 0) throw Errors.tokenInvalid();
  return { header, payload, issuer: payload.iss };
}
