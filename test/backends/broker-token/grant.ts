import type { Grant } from '../../../src/backends/backend.js';

/** A broker-token grant for backend tests: fixed lease, task and agent; TTL and task end as given. */
export function brokerGrant(ttlSeconds: number, notAfter: number, resources: string[] = []): Grant {
  return {
    leaseId: 'lse_aaaaaaaaaaaaaaaaaaaaaa',
    taskId: 'tsk_bbbbbbbbbbbbbbbbbbbbbb',
    profileName: 'p',
    agent: { issuer: 'https://iss', subject: 'agent-1', claims: {} },
    intent: 'i',
    resources,
    ttlSeconds,
    notAfter,
    labels: {},
  };
}
