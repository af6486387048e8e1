import type { Grant } from '../backend.js';

/**
 * Vault-side names of a credential, so Vault's own audit log correlates with Tessera's.
 * Vault prefixes token display names with `token-` and replaces characters outside [A-Za-z0-9-]
 * (https://developer.hashicorp.com/vault/api-docs/auth/token#display_name).
 */
export function displayName(grant: Grant): string {
  return `tessera-${grant.taskId}`;
}

/** Token metadata naming the task, lease, profile and agent (`meta`, string values only). */
export function tokenMetadata(grant: Grant): Record<string, string> {
  return {
    tessera_task_id: grant.taskId,
    tessera_lease_id: grant.leaseId,
    tessera_profile: grant.profileName,
    tessera_agent_issuer: grant.agent.issuer,
    tessera_agent_subject: grant.agent.subject,
  };
}

/** A duration as Vault reads it (`"300s"`). */
export const vaultSeconds = (s: number): string => `${s}s`;

/** The TTL Tessera reports: Vault's when it is shorter than the grant's (then `ttlClampedBy: 'backend'`). */
export function effectiveTtl(grantTtl: number, vaultTtl: number | undefined): { ttlSeconds: number; ttlClampedBy?: string } {
  if (vaultTtl !== undefined && vaultTtl > 0 && vaultTtl < grantTtl) return { ttlSeconds: vaultTtl, ttlClampedBy: 'backend' };
  return { ttlSeconds: grantTtl };
}
