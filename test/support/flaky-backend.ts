import { RevokeError, type Backend, type Grant, type MintResult, type RevocationTarget } from '../../src/backends/backend.js';
import { Errors } from '../../src/errors/codes.js';

/**
 * A test backend that mints and revokes through the revocation double over real HTTP, so "backend
 * down" means connections are refused. It takes the name of a configured backend (by default
 * `broker-token`) and replaces it through `createTessera({ backends })`, so ordinary profiles use it.
 * Revocation is by lease id, which also works for a lease whose mint was interrupted.
 */
export class FlakyBackend implements Backend {
  constructor(
    private readonly baseUrl: string,
    readonly name = 'broker-token',
    /** Sent as `x-caller` so the double can tell which process revoked what. */
    private readonly caller = String(process.pid),
  ) {}

  async mint(grant: Grant): Promise<MintResult> {
    let res: Response;
    try {
      res = await this.post('/mint', { lease_id: grant.leaseId, task_id: grant.taskId, ttl_seconds: grant.ttlSeconds });
    } catch (err) {
      throw Errors.backendUnavailable(this.name, err);
    }
    if (!res.ok) throw Errors.backendUnavailable(this.name, new Error(`mint answered ${res.status}`));
    const body = (await res.json()) as { token: string; credential_id: string };
    return {
      credential: { type: 'bearer', token: body.token, audience: 'double' },
      ttlSeconds: grant.ttlSeconds,
      revocation: 'revocable',
      revocationData: { credential_id: body.credential_id },
      secretForHash: body.token,
    };
  }

  async revoke(target: RevocationTarget): Promise<void> {
    let res: Response;
    try {
      res = await this.post('/revoke', { lease_id: target.leaseId });
    } catch (err) {
      throw new RevokeError(`revocation endpoint unreachable: ${(err as Error).message}`, { permanent: false, cause: err });
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 500) throw new RevokeError(`revocation endpoint answered ${res.status}`, { permanent: false });
    if (res.status >= 400) throw new RevokeError(`revocation endpoint refused: ${res.status}`, { permanent: true });
  }

  async ready(): Promise<void> {
    const res = await fetch(`${this.baseUrl}/health`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`health ${res.status}`);
  }

  async close(): Promise<void> {}

  private post(path: string, body: unknown): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-caller': this.caller },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  }
}
