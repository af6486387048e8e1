import { VaultCallError } from './errors.js';
import type { VaultEnvelope, VaultHttp, VaultRequest } from './http.js';
import type { SelfToken } from './self-token.js';

/** A Vault call made as Tessera itself (the token is added by the session). */
export type VaultCall = (req: Omit<VaultRequest, 'token'>) => Promise<VaultEnvelope>;

/**
 * Calls Vault as Tessera: takes the process's one token, and when Vault answers 403 because that
 * token died (revoked, expired), logs in again once and repeats the call once. A 403 with a live
 * token (the policy does not allow the path) is not repeated.
 */
export class VaultSession {
  constructor(
    readonly http: VaultHttp,
    readonly self: SelfToken,
  ) {}

  readonly call: VaultCall = async (req) => {
    const token = await this.self.token();
    try {
      return await this.http.send({ ...req, token });
    } catch (err) {
      if (!(err instanceof VaultCallError) || err.failure !== 'denied') throw err;
      const fresh = await this.self.recover(token).catch((e: unknown) => {
        if (e instanceof VaultCallError && e.failure === 'unavailable') throw e;
        return null;
      });
      if (!fresh) throw err;
      return this.http.send({ ...req, token: fresh });
    }
  };
}
