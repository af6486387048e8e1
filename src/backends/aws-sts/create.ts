import type { BackendContext } from '../factory.js';
import { AwsStsBackend } from './backend.js';
import { profileLookup } from '../profile-lookup.js';

/**
 * The AWS STS backend as configured (`backends.aws-sts` and the aws-sts profiles), or undefined when the
 * section is absent. Tessera's AWS credentials come from the SDK default provider chain.
 */
export function createAwsStsBackend(ctx: BackendContext): AwsStsBackend | undefined {
  const config = ctx.cfg.backends['aws-sts'];
  if (!config) return undefined;
  return new AwsStsBackend({
    config,
    profiles: profileLookup(ctx.cfg, 'aws-sts'),
    redis: ctx.redis,
    keyPrefix: ctx.cfg.redis.key_prefix,
    clock: ctx.clock,
    log: ctx.log.child({ component: 'aws-sts' }),
  });
}
