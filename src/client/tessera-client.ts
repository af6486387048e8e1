/**
 * A small typed client for agents and orchestrators. Uses global fetch; no dependencies.
 */

/** A problem+json answer from Tessera, as an exception with its stable `code`. */
export class TesseraApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly requestId: string | undefined,
    readonly body: Record<string, unknown>,
  ) {
    super(`${status} ${code}: ${detail}`);
    this.name = 'TesseraApiError';
  }
}

export interface ScopeInput {
  profile: string;
  resources?: string[];
}

export interface TaskInfo {
  task_id: string;
  agent: { issuer: string; subject: string };
  intent: string;
  scopes: ScopeInput[];
  status: 'active' | 'completing' | 'completed' | 'expired';
  created_at: string;
  expires_at: string;
  parent_task_id: string | null;
  ttl_clamped_by: string | null;
  labels: Record<string, string>;
  leases?: Array<{ lease_id: string; profile: string; status: string; expires_at: string; revocation: string }>;
}

export interface CredentialGrant {
  lease_id: string;
  task_id: string;
  profile: string;
  backend: string;
  issued_at: string;
  expires_at: string;
  ttl_seconds: number;
  ttl_clamped_by: string | null;
  revocation: 'revocable' | 'deny-policy' | 'expiry-only';
  credential: { type: string } & Record<string, unknown>;
}

export interface PendingApproval {
  approval_id: string;
  status: 'pending';
}

export interface AuditEntry {
  id: string;
  time: string;
  type: string;
  outcome: string;
  [k: string]: unknown;
}

/** Options: the base URL and where the workload token comes from (re-read on every call). */
export interface TesseraClientOptions {
  baseUrl: string;
  token: string | (() => string | Promise<string>);
}

/** Typed calls for the agent side of the API. */
export class TesseraClient {
  constructor(private readonly opts: TesseraClientOptions) {}

  /** Declare a task: what the agent is about to do and what it will need. */
  declareTask(input: {
    intent: string;
    scopes: ScopeInput[];
    ttl_seconds?: number;
    /** Declare a sub-task of one of this agent's tasks... */
    parent_task_id?: string;
    /** ...handed to another agent, which then owns it (delegation). */
    delegate_to?: { issuer: string; subject: string };
    labels?: Record<string, string>;
  }): Promise<TaskInfo> {
    return this.call('POST', '/v1/tasks', input);
  }

  getTask(taskId: string): Promise<TaskInfo> {
    return this.call('GET', `/v1/tasks/${encodeURIComponent(taskId)}`);
  }

  /** Ask for a credential under a task: 201 grant, or 202 pending approval. */
  requestCredential(
    taskId: string,
    req: { profile: string; resources?: string[]; ttl_seconds?: number; reason?: string },
  ): Promise<CredentialGrant | PendingApproval> {
    return this.call('POST', `/v1/tasks/${encodeURIComponent(taskId)}/credentials`, req);
  }

  /** Like requestCredential, but fails when the request needs approval. */
  async getCredential(taskId: string, req: { profile: string; resources?: string[]; ttl_seconds?: number; reason?: string }): Promise<CredentialGrant> {
    const r = await this.requestCredential(taskId, req);
    if ('approval_id' in r) throw new TesseraApiError(202, 'approval_required', `approval ${r.approval_id} is pending`, undefined, r as unknown as Record<string, unknown>);
    return r;
  }

  completeTask(taskId: string, outcome: 'succeeded' | 'failed' | 'cancelled' = 'succeeded'): Promise<{ task_id: string; status: string }> {
    return this.call('POST', `/v1/tasks/${encodeURIComponent(taskId)}/complete`, { outcome });
  }

  revokeLease(leaseId: string): Promise<{ lease_id: string; status: string }> {
    return this.call('DELETE', `/v1/leases/${encodeURIComponent(leaseId)}`);
  }

  async taskAudit(taskId: string): Promise<AuditEntry[]> {
    const r = await this.call<{ events: AuditEntry[] }>('GET', `/v1/tasks/${encodeURIComponent(taskId)}/audit`);
    return r.events;
  }

  /** RFC 7662 introspection of a broker token (the caller authenticates with its own workload token). */
  introspect(token: string): Promise<{ active: boolean; [k: string]: unknown }> {
    return this.call('POST', '/v1/introspect', { token });
  }

  /** Wait until the task reaches one of the given statuses (polling). */
  async waitForTask(taskId: string, statuses: TaskInfo['status'][], timeoutMs = 10_000): Promise<TaskInfo> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const t = await this.getTask(taskId);
      if (statuses.includes(t.status)) return t;
      if (Date.now() > deadline) throw new Error(`task ${taskId} still ${t.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Low-level call: JSON in, JSON out, problem+json → TesseraApiError. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = typeof this.opts.token === 'function' ? await this.opts.token() : this.opts.token;
    const res = await fetch(new URL(path, this.opts.baseUrl), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (!res.ok) {
      throw new TesseraApiError(res.status, String(json.code ?? 'unknown'), String(json.detail ?? res.statusText), json.request_id as string | undefined, json);
    }
    return json as T;
  }
}
