/**
 * XML rendering for AWS Query responses:
 * `<{Action}Response xmlns="…"><{Action}Result>…</{Action}Result><ResponseMetadata><RequestId/></ResponseMetadata></{Action}Response>`
 * and `<ErrorResponse xmlns="…"><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
 * See the sample responses in https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html#API_AssumeRole_Examples
 * and https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html#API_GetRolePolicy_Examples
 * (namespaces match the SDK's `xmlNamespace` protocol settings).
 */
import type { AwsError } from './errors.js';

export const NAMESPACES = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
} as const;

export type ServiceName = keyof typeof NAMESPACES;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** `<name>escaped text</name>`; nothing when the value is undefined. */
export function el(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name>…children…</name>` with already-rendered children. */
export function wrap(name: string, children: string): string {
  return `<${name}>${children}</${name}>`;
}

/** `<Name><member>a</member>…</Name>`, the Query protocol's list shape. */
export function memberList(name: string, values: string[]): string {
  return wrap(name, values.map((v) => el('member', v)).join(''));
}

/** Success envelope; `result` undefined renders no `…Result` element (e.g. PutRolePolicy). */
export function renderResult(service: ServiceName, action: string, result: string | undefined, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<${action}Response xmlns="${NAMESPACES[service]}">` +
    (result === undefined ? '' : wrap(`${action}Result`, result)) +
    wrap('ResponseMetadata', el('RequestId', requestId)) +
    `</${action}Response>\n`
  );
}

export function renderError(service: ServiceName, err: AwsError, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<ErrorResponse xmlns="${NAMESPACES[service]}">` +
    wrap('Error', el('Type', err.type) + el('Code', err.code) + el('Message', err.message)) +
    el('RequestId', requestId) +
    '</ErrorResponse>\n'
  );
}
