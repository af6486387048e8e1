import type { AuditLog } from '../audit/audit-log.js';
import type { RevocationQueue } from '../revocation/revocation-queue.js';
import type { Clock } from '../util/clock.js';
import type { AgentBlocklist } from './agent-blocklist.js';
import type { TaskStore } from './task-store.js';
import { identityKey } from '../identity/identity.js';

/**
 * `POST /v1/admin/agents/revoke`: block an identity and tear down every open task and lease it holds
 * (and, through each task's teardown, every sub-task delegated from them, whoever owns it). The block
 * refuses the identity new tasks, credentials and delegations until `unblock`. Both are audited.
 */
export class KillSwitch {
  constructor(
    private readonly tasks: TaskStore,
    private readonly blocklist: AgentBlocklist,
    private readonly queue: RevocationQueue,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async revoke(agent: { issuer: string; subject: string }, admin: { issuer: string; subject: string }, requestId: string): Promise<{ tasks_closed: number }> {
    const by = identityKey(admin);
    await this.blocklist.block(agent, by);
    await this.audit.record({ type: 'agent.blocked', outcome: 'success', request_id: requestId, actor: by, agent });
    let closed = 0;
    for (const taskId of await this.tasks.byAgent(agent.issuer, agent.subject, 100_000)) {
      const res = await this.tasks.close(taskId, 'completing', this.clock.now(), 'agent_revoked');
      // Close the teardown even for tasks already closing: the kill switch must not depend on earlier jobs.
      if (res.status && res.status !== 'completed') {
        if (res.changed) {
          closed++;
          await this.audit.recordBestEffort({ type: 'task.completing', outcome: 'info', request_id: requestId, actor: by, agent, task_id: taskId, reason: 'agent_revoked' });
        }
        await this.queue.closeTask(taskId, 'agent_revoked');
      }
    }
    return { tasks_closed: closed };
  }

  async unblock(agent: { issuer: string; subject: string }, admin: { issuer: string; subject: string }, requestId: string): Promise<boolean> {
    const was = await this.blocklist.unblock(agent);
    await this.audit.record({ type: 'agent.unblocked', outcome: 'success', request_id: requestId, actor: identityKey(admin), agent });
    return was;
  }
}
