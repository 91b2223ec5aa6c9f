// What every runner does around its runs, whatever isolates them: refuse work once closed,
// validate the spec, allow one run per execution, and stop every run on close.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { AgoraError } from '../base/errors.js';
import { parseRunSpec, type RunHandle, type RunResult, type RunSpec, type ValidRunSpec } from './runner.js';

export class RunRegistry {
  private readonly active = new Map<string, RunHandle>();
  private closed = false;

  constructor(private readonly config: Config) {}

  /** The checks every runner makes before it prepares anything for a run. */
  admit(input: RunSpec): ValidRunSpec {
    if (this.closed) throw new AgoraError('UNAVAILABLE', 'the runner is closed');
    const spec = parseRunSpec(input, this.config);
    if (this.active.has(spec.execution_id)) throw new AgoraError('CONFLICT', `execution ${spec.execution_id} is already running`);
    if (!existsSync(spec.workspace_dir) || !statSync(spec.workspace_dir).isDirectory()) {
      throw new AgoraError('EXECUTION_ERROR', `workspace ${spec.workspace_dir} does not exist`, { reason: 'no_workspace' });
    }
    if (!existsSync(dirname(resolve(spec.log_path)))) throw new AgoraError('INVALID_ARGS', `the directory of the log file ${spec.log_path} does not exist`);
    return spec;
  }

  track(handle: RunHandle): void {
    this.active.set(handle.execution_id, handle);
  }

  release(execution_id: string): void {
    this.active.delete(execution_id);
  }

  /** Stops every run still going; false if the registry was already closed. */
  async close(): Promise<boolean> {
    if (this.closed) return false;
    this.closed = true;
    const running: Promise<RunResult>[] = [...this.active.values()].map((h) => h.stop('runner closing'));
    await Promise.all(running);
    return true;
  }
}
