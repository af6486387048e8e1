import type { Logger } from 'pino';
import type { Clock } from '../../util/clock.js';
import { iso } from '../../util/clock.js';
import { RevokeError, type RevocationTarget, type RevokeReport } from '../backend.js';
import { classify } from './aws-errors.js';
import type { AwsStsBackendConfig, AwsStsProfile } from './config.js';
import { DenyRetryLater, type DenyListWriter } from './deny-list-writer.js';
import { BUCKET_MS, ceilTo } from './deny-state.js';
import { tagValue } from './names.js';

/**
 * Revocation of STS sessions, which STS itself cannot do
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html): the lease's task
 * goes on its role's deny list until the session has surely expired (its expiry plus
 * `prune_grace_seconds`, rounded up to {@link BUCKET_MS}). Idempotent: a task already on the list, or
 * covered by a role-wide cut-off, counts as revoked; a session already expired needs nothing.
 * Failures become RevokeError: throttling, 5xx, network and lock waits are transient; the rest permanent.
 */
export class SessionCutoff {
  constructor(
    private readonly writer: DenyListWriter,
    private readonly profiles: (name: string) => AwsStsProfile,
    private readonly config: AwsStsBackendConfig,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Cut off the lease's session; see the class comment. */
  async revoke(target: RevocationTarget): Promise<void | RevokeReport> {
    const { role_arn: roleArn, task_tag: taskTag, issued_at: issuedAt, session_expires_at: sessionEnd } = target.revocationData;
    if (!roleArn || !taskTag) return this.revokeInterrupted(target);
    const ends = Math.max(Number(sessionEnd) || 0, target.credentialExpiresAt);
    if (this.clock.now() >= ends) return undefined;
    return this.deny(target, roleArn, taskTag, { until: ends, issued: Number(issuedAt) || 0 });
  }

  /**
   * A lease whose mint never recorded its result (the process died mid-mint): if STS issued a session,
   * it carries the task's tag on the profile's role, so deny that tag for the longest session the role allows.
   */
  private async revokeInterrupted(target: RevocationTarget): Promise<void | RevokeReport> {
    let p: AwsStsProfile;
    try {
      p = this.profiles(target.profileName);
    } catch (err) {
      throw new RevokeError(`aws-sts: profile ${target.profileName} is not configured; cannot find the role of lease ${target.leaseId}`, { permanent: true, cause: err });
    }
    if (p.revocation === 'expiry-only') {
      return { warnings: ['The mint was interrupted; if STS issued a session, it stays valid until it expires (expiry-only profile)'] };
    }
    const until = this.clock.now() + p.role_max_session_seconds * 1000;
    return this.deny(target, p.role_arn, tagValue(target.taskId), { until, issued: 0 });
  }

  private async deny(target: RevocationTarget, roleArn: string, taskTag: string, session: { until: number; issued: number }): Promise<void | RevokeReport> {
    const entry = { until: ceilTo(session.until + this.config.prune_grace_seconds * 1000, BUCKET_MS), issued: session.issued };
    let res;
    try {
      res = await this.writer.deny(roleArn, taskTag, entry);
    } catch (err) {
      const f = classify(err);
      const transient = err instanceof DenyRetryLater || f.transient;
      this.log.warn({ backend: 'aws-sts', lease_id: target.leaseId, role_arn: roleArn, aws_code: f.code, aws_message: f.message, transient }, 'aws-sts: writing the deny policy failed');
      throw new RevokeError(`aws-sts deny policy on ${roleArn}: ${f.code}: ${f.message}`, { permanent: !transient, cause: err });
    }
    if (res.coveredBy !== 'cutoff' || !res.cutoff) return undefined;
    const warning =
      `Cut off by a role-wide deny: every session of ${roleArn} issued before ${iso(res.cutoff.before)} is denied until ` +
      `${iso(res.cutoff.until)}, because the per-task deny list would exceed IAM's inline policy size limit`;
    return { warnings: [warning], detail: { cut_off: 'aws:TokenIssueTime', role_arn: roleArn, issued_before: iso(res.cutoff.before), until: iso(res.cutoff.until) } };
  }
}
