import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Errors } from '../../errors/codes.js';
import type { TesseraError } from '../../errors/tessera-error.js';
import type { Clock } from '../../util/clock.js';
import { iso } from '../../util/clock.js';
import type { Backend, Grant, MintResult, RevocationTarget, RevokeReport } from '../backend.js';
import { classify, isPolicyInvalid, isPolicyTooLarge } from './aws-errors.js';
import { iamClient, stsClient, type AwsCredentials } from './clients.js';
import type { AwsStsBackendConfig, AwsStsProfile } from './config.js';
import { DenyListWriter } from './deny-list-writer.js';
import { SessionCutoff } from './session-cutoff.js';
import { agentLabel, partitionOf, sessionNameFor, TAG_AGENT, TAG_PROFILE, TAG_TASK, tagValue } from './names.js';
import { IamRolePolicies } from './role-policies.js';
import { renderSessionPolicy, SessionPolicyError } from './session-policy.js';

/** STS's minimum DurationSeconds (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html). */
export const STS_MIN_DURATION_SECONDS = 900;

/** What the AWS STS backend is built from (see create.ts for the configured wiring). */
export interface AwsStsBackendOptions {
  config: AwsStsBackendConfig;
  /** The aws-sts profile of that name (throws for others). */
  profiles: (name: string) => AwsStsProfile;
  redis: Redis;
  /** `redis.key_prefix`. */
  keyPrefix: string;
  clock: Clock;
  log: Logger;
  /**
   * Tessera's own AWS credentials. Leave unset in production: the SDK default provider chain is used.
   * WARNING: these credentials can assume every configured role and edit its inline policies.
   */
  credentials?: AwsCredentials;
  /** Deny-list lock tuning (tests). */
  lockTtlMs?: number;
  lockWaitMs?: number;
}

/**
 * AWS STS backend: `AssumeRole` per credential, with a session policy narrowed to the task's resources,
 * session tags and SourceIdentity naming task and agent. STS sessions cannot be revoked; with
 * `revocation: deny-policy` Tessera cuts them off at task end by an IAM deny on the role keyed on the
 * `tessera-task` session tag ({@link DenyListWriter}); with `expiry-only` they live until they expire.
 */
export class AwsStsBackend implements Backend {
  readonly name = 'aws-sts';
  private readonly sts = new Map<string, STSClient>();
  private readonly iam = new Map<string, IAMClient>();
  private readonly cutoff: SessionCutoff;
  private readyUntil = 0;

  constructor(private readonly o: AwsStsBackendOptions) {
    const writer = new DenyListWriter({
      redis: o.redis,
      keyPrefix: o.keyPrefix,
      policies: (roleArn) => new IamRolePolicies(this.iamFor(partitionOf(roleArn))),
      policyName: o.config.deny_policy_name,
      maxChars: o.config.deny_policy_max_chars,
      clock: o.clock,
      log: o.log,
      ...(o.lockTtlMs !== undefined ? { lockTtlMs: o.lockTtlMs } : {}),
      ...(o.lockWaitMs !== undefined ? { lockWaitMs: o.lockWaitMs } : {}),
    });
    this.cutoff = new SessionCutoff(writer, o.profiles, o.config, o.clock, o.log);
  }

  async mint(grant: Grant): Promise<MintResult> {
    const p = this.o.profiles(grant.profileName);
    const region = p.region ?? this.o.config.region;
    const duration = Math.min(Math.max(STS_MIN_DURATION_SECONDS, grant.ttlSeconds), p.role_max_session_seconds);
    const ttlClampedBy = duration > grant.ttlSeconds ? 'backend_floor' : duration < grant.ttlSeconds ? 'backend' : undefined;
    const policy = this.sessionPolicy(p, grant);
    const label = agentLabel(grant.agent);
    const sessionName = sessionNameFor(grant.taskId);
    let out;
    try {
      out = await this.stsFor(region).send(
        new AssumeRoleCommand({
          RoleArn: p.role_arn,
          RoleSessionName: sessionName,
          DurationSeconds: duration,
          ...(p.external_id ? { ExternalId: p.external_id } : {}),
          ...(policy ? { Policy: policy } : {}),
          SourceIdentity: label,
          Tags: [
            { Key: TAG_TASK, Value: tagValue(grant.taskId) },
            { Key: TAG_AGENT, Value: label },
            { Key: TAG_PROFILE, Value: tagValue(grant.profileName) },
          ],
          // Transitive: a session chained from this one keeps (and cannot change) the task and agent tags.
          TransitiveTagKeys: [TAG_TASK, TAG_AGENT],
        }),
      );
    } catch (err) {
      throw this.mintError(err, grant, p);
    }
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw Errors.backendMisconfigured(this.name, new Error('AssumeRole answered without credentials'));
    }
    const expiresAt = c.Expiration.getTime();
    return {
      credential: { type: 'aws-sts', access_key_id: c.AccessKeyId, secret_access_key: c.SecretAccessKey, session_token: c.SessionToken, expiration: iso(expiresAt), region },
      ttlSeconds: duration,
      ttlClampedBy,
      revocation: p.revocation,
      revocationData: {
        role_arn: p.role_arn,
        task_tag: tagValue(grant.taskId),
        session_name: sessionName,
        // STS's own issue time (its Expiration is whole seconds, so this may be up to 1 s early).
        issued_at: String(expiresAt - duration * 1000),
        session_expires_at: String(expiresAt),
      },
      secretForHash: c.SessionToken,
      warnings: this.warnings(p, expiresAt, grant.notAfter),
    };
  }

  /**
   * Deny the lease's task on its role until the session has surely expired (see {@link SessionCutoff}).
   * Idempotent; returns a report when the cut-off had to be wider than the task.
   */
  revoke(target: RevocationTarget): Promise<void | RevokeReport> {
    return this.cutoff.revoke(target);
  }

  /** Reachable with working credentials: GetCallerIdentity needs no permission. Success is cached 10 s. */
  async ready(): Promise<void> {
    if (this.o.clock.now() < this.readyUntil) return;
    await this.stsFor(this.o.config.region).send(new GetCallerIdentityCommand({}));
    this.readyUntil = this.o.clock.now() + 10_000;
  }

  async close(): Promise<void> {
    for (const c of [...this.sts.values(), ...this.iam.values()]) c.destroy();
    this.sts.clear();
    this.iam.clear();
  }

  private sessionPolicy(p: AwsStsProfile, grant: Grant): string | undefined {
    if (p.session_policy === undefined) return undefined;
    try {
      return renderSessionPolicy(p.session_policy, { resources: grant.resources, taskId: grant.taskId, profile: grant.profileName });
    } catch (err) {
      if (!(err instanceof SessionPolicyError)) throw err;
      throw err.kind === 'too_large' ? Errors.policyTooLarge(err.message) : Errors.sessionPolicyInvalid(err.message);
    }
  }

  private warnings(p: AwsStsProfile, expiresAt: number, taskEnds: number): string[] {
    const after = Math.ceil((expiresAt - taskEnds) / 1000);
    if (p.revocation === 'expiry-only') {
      return [
        `This profile is expiry-only: STS sessions cannot be revoked, so this one stays valid until ${iso(expiresAt)}` +
          (after > 0 ? `, ${after} s after the task ends` : ' even if the task ends earlier'),
      ];
    }
    if (after > 0) {
      return [`STS sessions last at least ${STS_MIN_DURATION_SECONDS} s; this one is cut off when the task ends by an IAM deny policy on the role`];
    }
    return [];
  }

  private mintError(err: unknown, grant: Grant, p: AwsStsProfile): TesseraError {
    const f = classify(err);
    if (isPolicyTooLarge(f)) {
      return Errors.policyTooLarge('STS refused the session: its session policy and tags are too large once packed (PackedPolicyTooLarge); request fewer resources');
    }
    if (isPolicyInvalid(f)) return Errors.sessionPolicyInvalid('STS refused the rendered session policy as malformed; check the profile\'s session_policy');
    const fields = { backend: this.name, profile: grant.profileName, role_arn: p.role_arn, lease_id: grant.leaseId, aws_code: f.code, aws_status: f.status, aws_message: f.message };
    if (f.transient) {
      this.o.log.warn(fields, 'aws-sts: AssumeRole failed (transient)');
      return Errors.backendUnavailable(this.name, err);
    }
    this.o.log.error(fields, 'aws-sts: AssumeRole refused; check the role trust policy (sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity), external_id and role_max_session_seconds');
    return Errors.backendMisconfigured(this.name, err);
  }

  private stsFor(region: string): STSClient {
    let c = this.sts.get(region);
    if (!c) this.sts.set(region, (c = stsClient(this.o.config, region, this.o.credentials)));
    return c;
  }

  private iamFor(partition: string): IAMClient {
    let c = this.iam.get(partition);
    if (!c) this.iam.set(partition, (c = iamClient(this.o.config, partition, this.o.credentials)));
    return c;
  }
}
