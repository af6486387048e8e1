/**
 * The IAM policy document that carries a role's deny list, and back.
 *
 * Each group of tasks that may be pruned at the same time is one statement
 * `{"Sid":"TesseraUntil<epoch s>","Effect":"Deny","Action":"*","Resource":"*",
 *   "Condition":{"StringEquals":{"aws:PrincipalTag/tessera-task":[...task ids]}}}`:
 * an explicit Deny beats any Allow (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html),
 * `aws:PrincipalTag/<key>` is the session tag (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltag),
 * and a single-valued key with a list of values matches any of them
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
 * The role-wide fallback is AWS's documented way to revoke sessions
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html):
 * `{"Sid":"TesseraIssuedBefore<s>Until<s>",...,"Condition":{"DateLessThan":{"aws:TokenIssueTime":"<ISO>"}}}`.
 * The expiry of every entry is in its `Sid` (letters and digits only, as IAM requires), so the policy
 * itself is enough to prune it even if Tessera's Redis copy is lost.
 * Size: IAM counts characters without white space (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
 */
import { TAG_TASK } from './names.js';
import { emptyState, mergeEntry, type DenyState } from './deny-state.js';

const TAG_KEY = `aws:PrincipalTag/${TAG_TASK}`;
const UNTIL_SID = /^TesseraUntil(\d{1,12})$/;
const CUTOFF_SID = /^TesseraIssuedBefore(\d{1,12})Until(\d{1,12})$/;

/** Policy size as IAM counts it. */
export function policySize(doc: string): number {
  return doc.replace(/\s/g, '').length;
}

/** The document for a state, deterministic (sorted); `null` when there is nothing to deny. */
export function renderDenyPolicy(state: DenyState): string | null {
  const statements: unknown[] = [...state.foreign];
  if (state.cutoff) {
    const before = Math.ceil(state.cutoff.before / 1000);
    statements.push({
      Sid: `TesseraIssuedBefore${before}Until${Math.ceil(state.cutoff.until / 1000)}`,
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:TokenIssueTime': new Date(before * 1000).toISOString().replace(/\.000Z$/, 'Z') } },
    });
  }
  const groups = new Map<number, string[]>();
  for (const [id, e] of state.tasks) {
    const s = Math.ceil(e.until / 1000);
    groups.set(s, [...(groups.get(s) ?? []), id]);
  }
  for (const s of [...groups.keys()].sort((a, b) => a - b)) {
    statements.push({
      Sid: `TesseraUntil${s}`,
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringEquals: { [TAG_KEY]: groups.get(s)!.sort() } },
    });
  }
  return statements.length === 0 ? null : JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/**
 * Read a document back into a state. Statements Tessera does not recognise are kept as `foreign`;
 * task entries read from the policy have an unknown issue time (0). A document that is not JSON throws
 * (Tessera will not overwrite a policy it cannot read, so it never silently drops a deny).
 */
export function parseDenyPolicy(doc: string): DenyState {
  const state = emptyState();
  let json: unknown;
  try {
    json = JSON.parse(doc);
  } catch {
    throw new Error('the deny policy on the role is not valid JSON; fix or delete it');
  }
  const raw = (json as { Statement?: unknown }).Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  for (const s of list) {
    if (!readStatement(state, s)) state.foreign.push(s);
  }
  return state;
}

function readStatement(state: DenyState, s: unknown): boolean {
  if (typeof s !== 'object' || s === null) return false;
  const st = s as { Sid?: unknown; Effect?: unknown; Condition?: Record<string, Record<string, unknown>> };
  if (st.Effect !== 'Deny' || typeof st.Sid !== 'string') return false;
  const until = UNTIL_SID.exec(st.Sid);
  const ids = st.Condition?.['StringEquals']?.[TAG_KEY];
  if (until && ids !== undefined) {
    const list = Array.isArray(ids) ? ids : [ids];
    if (!list.every((x) => typeof x === 'string')) return false;
    for (const id of list as string[]) mergeEntry(state, id, { until: Number(until[1]) * 1000, issued: 0 });
    return true;
  }
  const cut = CUTOFF_SID.exec(st.Sid);
  if (cut && st.Condition?.['DateLessThan']?.['aws:TokenIssueTime'] !== undefined) {
    const before = Number(cut[1]) * 1000;
    const c = { before, until: Number(cut[2]) * 1000 };
    state.cutoff = state.cutoff ? { before: Math.max(state.cutoff.before, c.before), until: Math.max(state.cutoff.until, c.until) } : c;
    return true;
  }
  return false;
}
