/**
 * Query protocol input: `application/x-www-form-urlencoded` parameters, lists flattened as
 * `Name.member.N` and structures in lists as `Name.member.N.Field` (e.g. `Tags.member.1.Key`).
 * See "Making Query requests" https://docs.aws.amazon.com/IAM/latest/UserGuide/programming.html and
 * the request parameter encoding in https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html#API_AssumeRole_Examples
 * Validation messages use the wording AWS returns for model constraints, e.g.
 * "1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint:
 *  Member must have value greater than or equal to 900".
 */
import { validationError } from './errors.js';

export type Params = Map<string, string>;

export function parseParams(body: string, query: string): Params {
  const out: Params = new Map();
  for (const src of [query, body]) {
    for (const [k, v] of new URLSearchParams(src)) out.set(k, v);
  }
  return out;
}

/** `Name.member.1`, `Name.member.2`, … in index order. */
export function memberStrings(params: Params, name: string): string[] {
  return indexed(params, `${name}.member.`).map(([, key]) => params.get(key) ?? '');
}

/** `Name.member.N.Field` structures, e.g. tags: `[{ Key, Value }]`. */
export function memberStructs(params: Params, name: string): Array<Record<string, string>> {
  const byIndex = new Map<number, Record<string, string>>();
  const prefix = `${name}.member.`;
  for (const [k, v] of params) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    const dot = rest.indexOf('.');
    if (dot < 0) continue;
    const idx = Number(rest.slice(0, dot));
    if (!Number.isInteger(idx) || idx < 1) continue;
    const rec = byIndex.get(idx) ?? {};
    rec[rest.slice(dot + 1)] = v;
    byIndex.set(idx, rec);
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}

function indexed(params: Params, prefix: string): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  for (const k of params.keys()) {
    if (!k.startsWith(prefix)) continue;
    const idx = Number(k.slice(prefix.length));
    if (Number.isInteger(idx) && idx >= 1) out.push([idx, k]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** Collects model-constraint violations and throws one ValidationError listing them all. */
export class Validator {
  private readonly messages: string[] = [];

  private fail(value: string | undefined, field: string, constraint: string): void {
    const shown = value === undefined ? 'null' : `'${value}'`;
    this.messages.push(`Value ${shown} at '${field}' failed to satisfy constraint: Member ${constraint}`);
  }

  required(value: string | undefined, field: string): value is string {
    if (value === undefined) this.fail(undefined, field, 'must not be null');
    return value !== undefined;
  }

  length(value: string | undefined, field: string, min: number, max: number): void {
    if (value === undefined) return;
    const n = [...value].length;
    if (n < min) this.fail(value, field, `must have length greater than or equal to ${min}`);
    else if (n > max) this.fail(value, field, `must have length less than or equal to ${max}`);
  }

  pattern(value: string | undefined, field: string, re: RegExp, shown: string): void {
    if (value !== undefined && !re.test(value)) this.fail(value, field, `must satisfy regular expression pattern: ${shown}`);
  }

  range(value: number | undefined, raw: string | undefined, field: string, min: number, max: number): void {
    if (value === undefined) return;
    if (value < min) this.fail(raw, field, `must have value greater than or equal to ${min}`);
    else if (value > max) this.fail(raw, field, `must have value less than or equal to ${max}`);
  }

  count(n: number, shown: string, field: string, max: number): void {
    if (n > max) this.fail(shown, field, `must have length less than or equal to ${max}`);
  }

  /** Throws `ValidationError: N validation error(s) detected: …; …` when anything failed. */
  done(): void {
    const n = this.messages.length;
    if (n === 0) return;
    throw validationError(`${n} validation error${n === 1 ? '' : 's'} detected: ${this.messages.join('; ')}`);
  }
}

/** Integer parameter; non-integers are a ValidationError like AWS's type check. */
export function intParam(params: Params, name: string, field: string): number | undefined {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw)) throw validationError(`1 validation error detected: Value '${raw}' at '${field}' failed to satisfy constraint: Member must be an integer`);
  return Number(raw);
}
