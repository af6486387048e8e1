import { errors } from 'jose';
import { Errors } from '../errors/codes.js';
import { TesseraError } from '../errors/tessera-error.js';

/**
 * Translate a failure of `jwtVerify` into the TesseraError callers see.
 * jose errors are not attached as causes: some carry the claims set. Unknown failures fail closed.
 */
export function fromJoseError(err: unknown): TesseraError {
  if (err instanceof TesseraError) return err;
  if (err instanceof errors.JWTExpired) return Errors.tokenExpired();
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return Errors.tokenClaimMissing(err.claim);
    if (err.reason === 'check_failed') {
      if (err.claim === 'aud') return Errors.tokenAudience();
      if (err.claim === 'nbf' || err.claim === 'iat') return Errors.tokenNotYetValid();
      if (err.claim === 'iss') return Errors.issuerUntrusted();
    }
    return Errors.tokenInvalid(`The workload token has an invalid "${err.claim}" claim`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return Errors.tokenAlgorithm('(not allowed)');
  if (err instanceof errors.JWKSNoMatchingKey) {
    return Errors.tokenInvalid('No key of the issuer matches the workload token (kid/alg)');
  }
  // Signature failures, malformed JWS/JWT, unsupported headers (crit, b64), unusable keys.
  return Errors.tokenInvalid();
}
