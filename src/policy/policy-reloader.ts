import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { CedarPolicy } from './cedar-policy.js';
import { compilePolicies } from './policy-compiler.js';
import { PolicyLoadError, readPolicyDir } from './policy-files.js';
import type { PolicyMetrics } from './policy-metrics.js';

/** What a reload did. */
export type ReloadResult =
  | { status: 'reloaded'; version: string; policies: number }
  | { status: 'unchanged'; version: string }
  | { status: 'failed'; problems: string[] };

/** What a reload needs besides the engine. */
export interface ReloaderOptions {
  dir: string;
  watch: boolean;
  debounceMs: number;
  log: Logger;
  audit?: AuditLog | undefined;
  metrics?: PolicyMetrics | undefined;
}

/**
 * Hot reload of the Cedar policies: on a change in the policy directory (debounced) and on SIGHUP,
 * read and validate the new set, then swap it in atomically. An invalid set is refused and the old
 * one stays; the refusal is logged, audited (`policy.reload_failed`) and counted.
 */
export class PolicyReloader {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly onHup = () => void this.reload('sighup');

  constructor(
    private readonly engine: CedarPolicy,
    private readonly opts: ReloaderOptions,
  ) {}

  /** Start watching the directory (when configured) and listening for SIGHUP. */
  start(): void {
    process.on('SIGHUP', this.onHup);
    if (!this.opts.watch) return;
    try {
      this.watcher = watch(this.opts.dir, { persistent: false }, () => this.schedule());
      this.watcher.on('error', (err) => this.opts.log.warn({ err, dir: this.opts.dir }, 'policy directory watch failed; SIGHUP still reloads'));
    } catch (err) {
      this.opts.log.warn({ err, dir: this.opts.dir }, 'cannot watch the policy directory; SIGHUP still reloads');
    }
  }

  /** Stop watching and listening. */
  stop(): void {
    process.off('SIGHUP', this.onHup);
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reload('watch');
    }, this.opts.debounceMs);
    this.timer.unref();
  }

  /** Read, validate and swap in the policy directory now. Never throws. */
  async reload(trigger: 'watch' | 'sighup' | 'manual' = 'manual'): Promise<ReloadResult> {
    const { log, audit, metrics, dir } = this.opts;
    const previous = this.engine.active.sha256;
    let result: ReloadResult;
    try {
      const src = readPolicyDir(dir);
      if (src.sha256 === previous) {
        metrics?.reloads.labels('unchanged', trigger).inc();
        return { status: 'unchanged', version: previous };
      }
      const compiled = compilePolicies(src);
      this.engine.swap(compiled);
      for (const w of compiled.warnings) log.warn({ dir }, `policy warning: ${w}`);
      result = { status: 'reloaded', version: compiled.sha256, policies: compiled.policies.length };
    } catch (err) {
      const problems = err instanceof PolicyLoadError ? err.problems : [(err as Error).message];
      result = { status: 'failed', problems };
    }
    if (result.status === 'reloaded') {
      metrics?.reloads.labels('success', trigger).inc();
      metrics?.loaded.set(result.policies);
      log.info({ dir, trigger, version: result.version, previous, policies: result.policies }, 'policies reloaded');
      await audit?.recordBestEffort({
        type: 'policy.reloaded',
        outcome: 'success',
        actor: `policy-reload:${trigger}`,
        detail: { dir, version: result.version, previous_version: previous, policies: result.policies },
      });
    } else if (result.status === 'failed') {
      metrics?.reloads.labels('failure', trigger).inc();
      log.error({ dir, trigger, problems: result.problems, version_kept: previous }, 'policy reload refused; the previous policies stay in force');
      await audit?.recordBestEffort({
        type: 'policy.reload_failed',
        outcome: 'failure',
        actor: `policy-reload:${trigger}`,
        reason: result.problems.slice(0, 20).join('\n'),
        detail: { dir, version_kept: previous, problems: result.problems.length },
      });
    }
    return result;
  }
}
