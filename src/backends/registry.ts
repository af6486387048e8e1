import { Errors } from '../errors/codes.js';
import type { Backend } from './backend.js';

/** The configured backends by name; revocation is routed by a lease's `backend` tag through here. */
export class BackendRegistry {
  private readonly byName = new Map<string, Backend>();

  constructor(backends: Backend[]) {
    for (const b of backends) this.byName.set(b.name, b);
  }

  /** The backend of that name; a lease naming an unconfigured backend is a server misconfiguration. */
  get(name: string): Backend {
    const b = this.byName.get(name);
    if (!b) throw Errors.backendMisconfigured(name, new Error(`backend ${name} is not configured`));
    return b;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  all(): Backend[] {
    return [...this.byName.values()];
  }
}
