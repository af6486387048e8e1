import type { AuditEntry } from '../client/tessera-client.js';

/** Render a task's audit trail as a readable timeline (one line per event). */
export function renderTimeline(events: AuditEntry[]): string {
  if (events.length === 0) return '  (no events)';
  const t0 = Date.parse(events[0]!.time);
  return events
    .map((e) => {
      const dt = `+${((Date.parse(e.time) - t0) / 1000).toFixed(3)}s`.padStart(9);
      const who = (e.actor as string | undefined) ?? (e.agent as { subject?: string } | undefined)?.subject ?? '';
      const what = [e.profile && `profile=${e.profile}`, e.lease_id && `lease=${String(e.lease_id).slice(0, 12)}…`, e.reason && `reason=${e.reason}`]
        .filter(Boolean)
        .join(' ');
      const hash = e.credential_sha256 ? ` sha256=${String(e.credential_sha256).slice(0, 12)}…` : '';
      return `  ${dt}  ${e.type.padEnd(20)} ${e.outcome.padEnd(8)} ${who}${what ? '  ' + what : ''}${hash}`;
    })
    .join('\n');
}
