import { describe, expect, it } from 'vitest';
import { keepScheduled, RESCHEDULE_SLACK_MS } from '../../src/leases/issuance.js';

describe('when a fresh credential is revoked (keepScheduled)', () => {
  const scheduled = 1_000_000;

  it('keeps the job scheduled before the mint when the backend expiry is only the mint duration later', () => {
    expect(keepScheduled(scheduled, scheduled + 37)).toBe(scheduled);
    expect(keepScheduled(scheduled, scheduled + RESCHEDULE_SLACK_MS)).toBe(scheduled);
  });

  it('moves it when the backend expiry is earlier: never revoke after the credential should be gone', () => {
    expect(keepScheduled(scheduled, scheduled - 1)).toBe(scheduled - 1);
  });

  it('moves it when the backend expiry is later by more than the slack (a slow mint, a backend floor)', () => {
    expect(keepScheduled(scheduled, scheduled + RESCHEDULE_SLACK_MS + 1)).toBe(scheduled + RESCHEDULE_SLACK_MS + 1);
    expect(keepScheduled(scheduled, scheduled + 900_000)).toBe(scheduled + 900_000);
  });
});
