import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../src/ops/logger.js';

describe('log redaction', () => {
  it('removes credential fields and authorization headers wherever they sit', () => {
    const lines: string[] = [];
    const log = pino({ redact: { paths: REDACT_PATHS, remove: true } }, { write: (l: string) => lines.push(l) });
    log.info({
      credential: { type: 'bearer', token: 'SECRET-1' },
      body: { token: 'SECRET-2', secret_access_key: 'SECRET-3', session_token: 'SECRET-4' },
      req: { headers: { authorization: 'Bearer SECRET-5', 'webhook-signature': 'v1,SECRET-6' } },
      auth: { client_token: 'SECRET-7' },
      data: { password: 'SECRET-8' },
      lease_id: 'lse_visible',
    });
    const out = lines.join('');
    for (let i = 1; i <= 8; i++) expect(out).not.toContain(`SECRET-${i}`);
    expect(out).toContain('lse_visible');
  });
});
