/**
 * Authenticates a Query API request: SigV4 header checks, then maps the access key to an IAM user
 * (long-term `AKIA…` key) or an STS session (temporary `ASIA…` key + X-Amz-Security-Token).
 * Order of checks and error codes follow the common errors of STS/IAM
 * (https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html) and
 * "Elements of an AWS API request signature"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html).
 */
import {
  AwsError,
  expiredToken,
  incompleteSignature,
  invalidClientTokenId,
  missingAuthenticationToken,
  signatureDoesNotMatch,
} from './errors.js';
import {
  checkFreshness,
  headerMap,
  parseAmzDate,
  parseAuthorization,
  sha256Hex,
  signatureMatches,
  type RawRequest,
} from './sigv4.js';
import type { DoubleState, Principal } from './state.js';

export interface AuthOptions {
  /** Signing name the credential scope must name: `sts` or `iam`. */
  service: string;
  /** Clock for the ±15 min freshness window (see index.ts `signatureClock`). */
  signatureNow: number;
}

/** The access key id named in the Authorization header, if any (for the request log). */
export function claimedAccessKeyId(req: RawRequest): string | undefined {
  const value = headerMap(req.rawHeaders).get('authorization');
  if (!value) return undefined;
  try {
    return parseAuthorization(value).accessKeyId;
  } catch {
    return undefined;
  }
}

export function authenticate(state: DoubleState, req: RawRequest, opts: AuthOptions): Principal {
  const headers = headerMap(req.rawHeaders);
  const authorization = headers.get('authorization');
  if (!authorization) throw missingAuthenticationToken();
  const auth = parseAuthorization(authorization);

  if (!auth.signedHeaders.includes('host')) {
    throw incompleteSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const amzDate = headers.get('x-amz-date');
  if (!amzDate || !auth.signedHeaders.includes('x-amz-date')) {
    throw incompleteSignature("Authorization header requires existence of a signed 'X-Amz-Date' header.");
  }
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) throw incompleteSignature(`Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`);
  if (amzDate.slice(0, 8) !== auth.scopeDate) {
    throw signatureDoesNotMatch(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  if (auth.service !== opts.service) {
    throw signatureDoesNotMatch(`Credential should be scoped to correct service: '${opts.service}'. `);
  }
  const contentSha = headers.get('x-amz-content-sha256');
  if (contentSha !== undefined && /^[0-9a-f]{64}$/i.test(contentSha) && contentSha.toLowerCase() !== sha256Hex(req.body)) {
    throw new AwsError(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }

  const principal = lookUp(state, auth.accessKeyId, headers.get('x-amz-security-token'));
  const secret = principal.kind === 'user' ? principal.user.secretAccessKey : principal.session.secretAccessKey;
  checkFreshness(amzDate, signedAt, opts.signatureNow);
  if (!signatureMatches(req, auth, amzDate, secret)) throw signatureDoesNotMatch();
  // Checked after the signature so that only the key holder learns the session expired.
  if (principal.kind === 'session' && state.now() >= principal.session.expiresAt) throw expiredToken();
  return principal;
}

function lookUp(state: DoubleState, accessKeyId: string, token: string | undefined): Principal {
  const user = state.users.get(accessKeyId);
  if (user) {
    // A long-term key sent with a session token is rejected like an unknown token.
    if (token !== undefined) throw invalidClientTokenId();
    return { kind: 'user', user };
  }
  const session = state.sessions.get(accessKeyId);
  if (!session || token === undefined || token !== session.sessionToken) throw invalidClientTokenId();
  return { kind: 'session', session };
}
