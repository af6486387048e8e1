/**
 * Errors the AWS double answers with, as AWS Query services render them:
 * `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code/><Message/></Error><RequestId/></ErrorResponse>`.
 *
 * Codes, HTTP statuses and message wording follow:
 * - STS common errors: https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
 * - STS AssumeRole errors: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html#API_AssumeRole_Errors
 * - IAM PutRolePolicy errors: https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html#API_PutRolePolicy_Errors
 * The installed SDK maps these codes through its `awsQueryError` registry
 * (node_modules/@aws-sdk/client-sts/dist-cjs/index.js), e.g. `PackedPolicyTooLarge` -> 400,
 * IAM `LimitExceeded` -> 409, `NoSuchEntity` -> 404; codes it does not model (AccessDenied,
 * SignatureDoesNotMatch, ...) surface as an error whose `name` is the code.
 */

/** One AWS error response. `type` is derived from the status (5xx = Receiver). */
export class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }

  get type(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

export const invalidClientTokenId = (): AwsError =>
  new AwsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');

export const signatureDoesNotMatch = (detail?: string): AwsError =>
  new AwsError(
    403,
    'SignatureDoesNotMatch',
    detail ??
      'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );

export const incompleteSignature = (detail: string): AwsError => new AwsError(403, 'IncompleteSignature', detail);

export const missingAuthenticationToken = (): AwsError =>
  new AwsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');

export const expiredToken = (): AwsError =>
  new AwsError(403, 'ExpiredToken', 'The security token included in the request is expired');

/** AWS wording: "User: <arn> is not authorized to perform: <action> on resource: <res>[ with an explicit deny ...]". */
export const accessDenied = (callerArn: string, action: string, resource: string, explicitDeny = false): AwsError =>
  new AwsError(
    403,
    'AccessDenied',
    `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource}` +
      (explicitDeny ? ' with an explicit deny in an identity-based policy' : ''),
  );

export const validationError = (message: string): AwsError => new AwsError(400, 'ValidationError', message);

export const malformedPolicyDocument = (message: string): AwsError =>
  new AwsError(400, 'MalformedPolicyDocument', message);

export const invalidAction = (action: string, version: string): AwsError =>
  new AwsError(400, 'InvalidAction', `Could not find operation ${action} for version ${version}`);

export const noSuchEntity = (message: string): AwsError => new AwsError(404, 'NoSuchEntity', message);

export const throttling = (): AwsError => new AwsError(400, 'Throttling', 'Rate exceeded');

export const serviceUnavailable = (): AwsError =>
  new AwsError(503, 'ServiceUnavailable', 'Service is unable to handle request.');

export const internalFailure = (): AwsError =>
  new AwsError(500, 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.');
