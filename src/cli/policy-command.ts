import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError, configPath, loadConfig } from '../config/load.js';
import type { TesseraConfig } from '../config/schema.js';
import { buildPolicy } from '../policy/build.js';
import { CEDAR_SCHEMA } from '../policy/cedar-schema.js';
import { explainInput, toPolicyRequest } from '../policy/explain-input.js';
import { runExplain } from '../policy/explain-run.js';
import { compilePolicies } from '../policy/policy-compiler.js';
import { readPolicyDir } from '../policy/policy-files.js';

/** Where the CLI writes, and its environment (injectable for tests). */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

/** Exit codes of `tessera policy check`: allow, deny, usage or configuration error, approval required. */
export const EXIT = { allow: 0, deny: 1, error: 2, approval_required: 3 } as const;

export const POLICY_USAGE = `usage:
  tessera policy check [--config FILE] [--policies DIR] (--input FILE | --identity J --task J --request J)
                       [--action A] [--at ISO-TIME] [--ip ADDR] [--approval none|pending|approved]
                       [--expect allow|deny|approval_required]
      J is inline JSON or @file.json. Prints the decision as JSON; nothing is minted or audited.
      Exit: 0 allow, 1 deny, 3 approval required, 2 error (with --expect: 0 as expected, 1 not).
  tessera policy validate [--config FILE] [--policies DIR]
      Validate the policies against the schema (strict); prints file:line:column: message per problem.
  tessera policy schema
      Print the Cedar schema Tessera validates policies against.`;

/** `tessera policy <check|validate|schema>`. Returns the exit code. */
export async function policyCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'schema') {
      io.stdout(CEDAR_SCHEMA);
      return 0;
    }
    if (sub === 'validate') return validate(rest, io);
    if (sub === 'check') return await check(rest, io);
    io.stderr(`${POLICY_USAGE}\n`);
    return EXIT.error;
  } catch (err) {
    io.stderr(`tessera: ${err instanceof ConfigError || err instanceof TypeError ? err.message : String(err)}\n`);
    return EXIT.error;
  }
}

const common = { config: { type: 'string' }, policies: { type: 'string' } } as const;

function validate(args: string[], io: CliIo): number {
  const { values } = parseArgs({ args, options: common, strict: true });
  const dir = values.policies ?? loadCliConfig(values.config, io.env).policy.policies_dir;
  const compiled = compilePolicies(readPolicyDir(dir));
  for (const w of compiled.warnings) io.stderr(`warning: ${w}\n`);
  io.stdout(`${dir}: ${compiled.policies.length} policies valid (version ${compiled.sha256.slice(0, 12)})\n`);
  return 0;
}

async function check(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      ...common,
      input: { type: 'string' },
      identity: { type: 'string' },
      task: { type: 'string' },
      request: { type: 'string' },
      action: { type: 'string' },
      at: { type: 'string' },
      ip: { type: 'string' },
      approval: { type: 'string' },
      expect: { type: 'string' },
    },
  });
  const cfg = loadCliConfig(values.config, io.env);
  if (values.policies) cfg.policy = { ...cfg.policy, engine: 'cedar', policies_dir: values.policies };
  const raw = (values.input ? json(`@${values.input}`, 'input') : {}) as Record<string, any>;
  if (values.identity) raw.identity = json(values.identity, 'identity');
  if (values.task) raw.task = json(values.task, 'task');
  if (values.request) raw.request = json(values.request, 'request');
  if (values.action) raw.action = values.action;
  raw.context = { ...(raw.context ?? {}), ...(values.at ? { time: values.at } : {}), ...(values.ip ? { ip: values.ip } : {}), ...(values.approval ? { approval: values.approval } : {}) };
  const parsed = explainInput.safeParse(raw);
  if (!parsed.success) throw new TypeError(parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; '));
  const { engine } = buildPolicy(cfg, { log: pino({ level: 'silent' }) });
  const answer = await runExplain(engine, toPolicyRequest(parsed.data, cfg, Date.now()));
  io.stdout(`${JSON.stringify(answer, null, 2)}\n`);
  if (values.expect) return answer.decision === values.expect ? 0 : 1;
  return EXIT[answer.decision];
}

/** Inline JSON, or `@path` to a JSON file. */
function json(v: string, what: string): unknown {
  const text = v.startsWith('@') ? readFileSync(v.slice(1), 'utf8') : v;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TypeError(`--${what}: not valid JSON (${(err as Error).message})`);
  }
}

/**
 * Load the config without needing its secrets: `*_env` references count as set, so the CLI runs on a
 * laptop or in CI with only the config file and the policies.
 */
function loadCliConfig(file: string | undefined, env: NodeJS.ProcessEnv): TesseraConfig {
  const withPlaceholders = new Proxy(env, { get: (t, k) => (typeof k === 'string' ? (t[k] ?? 'set-for-cli') : undefined) });
  return loadConfig(file ?? configPath(env), withPlaceholders);
}
