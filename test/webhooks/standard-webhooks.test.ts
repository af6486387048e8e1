import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TesseraError } from '../../src/errors/tessera-error.js';
import { secretBytes, signWebhook, verifyWebhook } from '../../src/webhooks/standard-webhooks.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const now = 1_700_000_000_000;
const ts = now / 1000;

function expectInvalid(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe('webhook_signature_invalid');
    expect((err as TesseraError).status).toBe(401);
    return;
  }
  throw new Error('expected a webhook_signature_invalid error');
}

describe('Standard Webhooks signatures', () => {
  it('signs HMAC-SHA256 over "id.timestamp.body" with the base64-decoded whsec_ secret', () => {
    const body = '{"task_id":"tsk_x"}';
    const expected = createHmac('sha256', Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64')).update(`msg_1.${ts}.${body}`).digest('base64');
    expect(signWebhook(secret, 'msg_1', ts, body)).toBe(`v1,${expected}`);
    expect(secretBytes('raw-secret')).toEqual(Buffer.from('raw-secret'));
  });

  it('verifies a good signature within the tolerance', () => {
    const body = Buffer.from('{"a":1}');
    const sig = signWebhook(secret, 'msg_2', ts - 299, body);
    expect(verifyWebhook({ id: 'msg_2', timestamp: String(ts - 299), signature: sig }, body, [secret], now, 300)).toEqual({ id: 'msg_2', timestamp: ts - 299 });
  });

  it('rejects missing headers, a malformed timestamp, a stale one, a wrong id and a changed body', () => {
    const body = Buffer.from('{"a":1}');
    const sig = signWebhook(secret, 'msg_3', ts, body);
    expectInvalid(() => verifyWebhook({ id: undefined, timestamp: String(ts), signature: sig }, body, [secret], now, 300));
    expectInvalid(() => verifyWebhook({ id: 'msg_3', timestamp: '12a', signature: sig }, body, [secret], now, 300));
    expectInvalid(() => verifyWebhook({ id: 'msg_3', timestamp: String(ts - 301), signature: signWebhook(secret, 'msg_3', ts - 301, body) }, body, [secret], now, 300));
    expectInvalid(() => verifyWebhook({ id: 'msg_other', timestamp: String(ts), signature: sig }, body, [secret], now, 300));
    expectInvalid(() => verifyWebhook({ id: 'msg_3', timestamp: String(ts), signature: sig }, Buffer.from('{"a":2}'), [secret], now, 300));
  });

  it('accepts a rotated secret from the list and any matching signature in the header', () => {
    const body = Buffer.from('x');
    const oldSecret = 'whsec_' + Buffer.from('old').toString('base64');
    const sig = signWebhook(oldSecret, 'msg_4', ts, body);
    expect(() => verifyWebhook({ id: 'msg_4', timestamp: String(ts), signature: `v1,bogus ${sig}` }, body, [secret, oldSecret], now, 300)).not.toThrow();
    expectInvalid(() => verifyWebhook({ id: 'msg_4', timestamp: String(ts), signature: sig }, body, [secret], now, 300));
  });
});
