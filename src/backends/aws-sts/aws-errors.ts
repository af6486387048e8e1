/**
 * Classifying errors from the AWS SDK (STS, IAM) at the backend boundary.
 *
 * Error codes: https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html,
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html#API_AssumeRole_Errors,
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html#API_PutRolePolicy_Errors.
 * Retry semantics follow the SDK's own classification (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html):
 * throttling, 5xx and transient network failures are worth retrying; the rest is a configuration problem.
 */

/** The facts about an SDK error Tessera decides on; never holds credentials. */
export interface AwsFailure {
  /** AWS error code without an `Exception` suffix (`AccessDenied`, `PackedPolicyTooLarge`), or a network code. */
  code: string;
  status: number | undefined;
  message: string;
  transient: boolean;
}

const THROTTLING = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottledException', 'TooManyRequestsException',
  'RequestLimitExceeded', 'RequestThrottled', 'SlowDown', 'PriorRequestNotComplete', 'BandwidthLimitExceeded',
]);
const SERVER = new Set(['ServiceUnavailable', 'InternalFailure', 'InternalError', 'ServiceFailure', 'RequestTimeout', 'RequestTimeoutException', 'TimeoutError']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ESOCKETTIMEDOUT']);

/** Read an SDK (or network) error into an AwsFailure. */
export function classify(err: unknown): AwsFailure {
  const e = (err ?? {}) as { name?: unknown; code?: unknown; Code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const name = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : 'Error';
  const netCode = typeof e.code === 'string' ? e.code : undefined;
  const status = e.$metadata?.httpStatusCode;
  const code = netCode && NETWORK.has(netCode) ? netCode : name.replace(/Exception$/, '') || name;
  const transient =
    THROTTLING.has(name) ||
    THROTTLING.has(code) ||
    SERVER.has(name) ||
    SERVER.has(code) ||
    (status !== undefined && status >= 500) ||
    (netCode !== undefined && NETWORK.has(netCode)) ||
    Boolean(e.$retryable);
  return { code, status, message: typeof e.message === 'string' ? e.message : String(err), transient };
}

/** True when the failure is about the session policy's size (PackedPolicyTooLarge, or a length ValidationError). */
export function isPolicyTooLarge(f: AwsFailure): boolean {
  return f.code === 'PackedPolicyTooLarge' || (f.code === 'ValidationError' && /at 'policy' failed to satisfy constraint: Member must have length/.test(f.message));
}

/** True when STS refused the session policy's content. */
export function isPolicyInvalid(f: AwsFailure): boolean {
  return f.code === 'MalformedPolicyDocument' || (f.code === 'ValidationError' && /at 'policy'/.test(f.message) && !isPolicyTooLarge(f));
}
