/**
 * SDK clients for Tessera's own calls to STS and IAM.
 *
 * Credentials: when none are given, the SDK's default provider chain resolves them (environment,
 * shared config/credentials files, SSO, web identity, ECS and EC2 instance metadata):
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/setting-credentials-node.html
 * IAM is a global service signed in one region per partition
 * (https://docs.aws.amazon.com/general/latest/gr/iam-service.html).
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import type { AwsStsBackendConfig } from './config.js';

/** Static credentials or a provider, as the SDK accepts them. */
export type AwsCredentials = NonNullable<STSClientConfig['credentials']>;

const IAM_REGION: Record<string, string> = { aws: 'us-east-1', 'aws-cn': 'cn-north-1', 'aws-us-gov': 'us-gov-west-1' };

function common(cfg: AwsStsBackendConfig, credentials: AwsCredentials | undefined) {
  return {
    maxAttempts: cfg.max_attempts,
    requestHandler: { requestTimeout: cfg.request_timeout_ms, connectionTimeout: Math.min(cfg.request_timeout_ms, 3000) },
    ...(credentials ? { credentials } : {}),
  };
}

/** An STS client for one region (regional STS endpoints, or `backends.aws-sts.endpoint`). */
export function stsClient(cfg: AwsStsBackendConfig, region: string, credentials?: AwsCredentials): STSClient {
  return new STSClient({ region, ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}), ...common(cfg, credentials) });
}

/** An IAM client for a partition (or `backends.aws-sts.iam_endpoint`). */
export function iamClient(cfg: AwsStsBackendConfig, partition: string, credentials?: AwsCredentials): IAMClient {
  const region = IAM_REGION[partition] ?? cfg.region;
  return new IAMClient({ region, ...(cfg.iam_endpoint ? { endpoint: cfg.iam_endpoint } : {}), ...common(cfg, credentials) });
}
